/**
 * Named sets of MCCs that spending controls block or allow as a unit ("block gambling", "no cash
 * withdrawals abroad"). Membership lists network codes, not only codes our descriptive table
 * knows: a block must not miss a gambling code just because the pinned list predates it.
 */
import type { Mcc } from './mcc';

export const MCC_GROUPS = {
  /** Lotteries, online casinos, horse/dog racing, betting; 9406 is the non-US lottery code. */
  gambling: ['7800', '7801', '7802', '7995', '9406'],
  /** Cash withdrawals over the counter (6010) and at ATMs (6011). */
  cash_withdrawal: ['6010', '6011'],
  /**
   * Purchases that turn into cash or a cash-like balance: wire transfers and money orders,
   * foreign currency, travellers cheques and crypto (6051), stored-value card loads (6540).
   */
  quasi_cash: ['4829', '6051', '6540'],
  /** Dating/escort services and the adult-content telesales code. */
  adult: ['5967', '7273'],
} as const satisfies Record<string, readonly string[]>;

export type MccGroup = keyof typeof MCC_GROUPS;

export const MCC_GROUP_NAMES = Object.keys(MCC_GROUPS) as readonly MccGroup[];

const groupMembers = new Map<MccGroup, ReadonlySet<string>>(
  MCC_GROUP_NAMES.map((group) => [group, new Set<string>(MCC_GROUPS[group])]),
);

export function isInMccGroup(mcc: Mcc, group: MccGroup): boolean {
  return groupMembers.get(group)?.has(mcc) ?? false;
}

/** All groups a code belongs to, in MCC_GROUP_NAMES order (empty for most codes). */
export function mccGroupsOf(mcc: Mcc): readonly MccGroup[] {
  return MCC_GROUP_NAMES.filter((group) => isInMccGroup(mcc, group));
}
