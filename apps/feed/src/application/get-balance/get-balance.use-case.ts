import type { Clock } from '@corebank/platform-clock';
import { parseSnowflake } from '@corebank/platform-ids';

import type { AccountBalances } from '../../ports/account-balances.port';
import type { FeedItemStore } from '../../ports/feed-item-store.port';
import { spendDayStart } from './spend-day';

export interface SpendDaySettings {
  readonly timeZone: string;
  readonly dayStartHour: number;
  /** Transactions read to sum today's spending; a day with more counts only the newest. */
  readonly itemsMax: number;
}

export type GetBalanceOutcome =
  | {
      readonly kind: 'found';
      readonly currency: string;
      readonly availableMinor: bigint;
      readonly totalMinor: bigint;
      /** Money out today, as a negative amount (Mondo's sign), from the feed's own items. */
      readonly spendTodayMinor: bigint;
    }
  | { readonly kind: 'not_found' };

const PAGE_SIZE = 100;

/**
 * The balance of an account the caller owns: balances from the ledger, spend_today from the
 * feed's transactions since the start of the spending day (declined, reversed and expired ones
 * moved no money and are left out). Errors: the ledger client's and the store's PlatformErrors.
 */
export class GetBalanceUseCase {
  constructor(
    private readonly balances: AccountBalances,
    private readonly items: FeedItemStore,
    private readonly clock: Clock,
    private readonly settings: SpendDaySettings,
  ) {}

  async execute(accountId: string): Promise<GetBalanceOutcome> {
    const [lookup, spendTodayMinor] = await Promise.all([
      this.balances.balanceOf(accountId),
      this.spendToday(accountId),
    ]);
    if (lookup.kind === 'not_found') {
      return lookup;
    }
    return { kind: 'found', ...lookup.balance, spendTodayMinor };
  }

  private async spendToday(accountId: string): Promise<bigint> {
    const dayStartMs = spendDayStart(
      this.clock.now(),
      this.settings.timeZone,
      this.settings.dayStartHour,
    ).getTime();
    let total = 0n;
    let beforeId: bigint | undefined;
    for (let read = 0; read < this.settings.itemsMax; read += PAGE_SIZE) {
      const page = await this.items.listTransactions(accountId, {
        limit: Math.min(PAGE_SIZE, this.settings.itemsMax - read),
        ...(beforeId === undefined ? {} : { beforeId }),
      });
      for (const item of page) {
        if (item.kind !== 'transaction') {
          continue;
        }
        const transaction = item.transaction;
        if (
          Date.parse(transaction.createdAt) >= dayStartMs &&
          transaction.amountMinor < 0n &&
          (transaction.status === 'authorized' || transaction.status === 'settled')
        ) {
          total += transaction.amountMinor;
        }
      }
      const oldest = page[page.length - 1];
      // Items are newest first by when the feed first saw them (their snowflake); one first seen
      // before the day began ends the scan.
      if (
        oldest === undefined ||
        page.length < PAGE_SIZE ||
        parseSnowflake(oldest.itemId).timestampMs < dayStartMs
      ) {
        break;
      }
      beforeId = oldest.itemId;
    }
    return total;
  }
}
