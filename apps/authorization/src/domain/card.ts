import type { MccGroup } from '@corebank/domain-merchant';

/** A card's lifecycle state. Only `frozen` is reversible by the customer. */
export type CardStatus = 'not_activated' | 'active' | 'frozen' | 'lost' | 'stolen' | 'closed';

export interface SpendingControls {
  readonly blockedMccGroups: readonly MccGroup[];
  /** 0n = no limit. */
  readonly perTransactionLimitMinor: bigint;
  /** 0n = no limit; counted per UTC day over approved debits. */
  readonly dailyLimitMinor: bigint;
  readonly cardNotPresentBlocked: boolean;
  /** ISO 3166 alpha-3. */
  readonly blockedCountries: readonly string[];
}

/** What the card's product permits whatever the customer sets. */
export interface ProductRules {
  readonly productCode: string;
  readonly cashWithdrawalAllowed: boolean;
  readonly cardNotPresentAllowed: boolean;
  readonly holdIncludesFees: boolean;
}

export interface Card {
  /** The processor's card id (the PAN never reaches us). */
  readonly token: string;
  readonly accountId: string;
  readonly lastFour: string;
  /** YYYY-MM; valid through the end of that month, UTC. */
  readonly expiryMonth: string;
  readonly status: CardStatus;
  readonly currencyCode: string;
  readonly product: ProductRules;
  readonly controls: SpendingControls;
  /** Issued on a test account: its events say so, so reports of real money leave them out. */
  readonly testAccount?: boolean;
}

export const NO_SPENDING_CONTROLS: SpendingControls = {
  blockedMccGroups: [],
  perTransactionLimitMinor: 0n,
  dailyLimitMinor: 0n,
  cardNotPresentBlocked: false,
  blockedCountries: [],
};

export const STANDARD_PRODUCT: ProductRules = {
  productCode: 'standard',
  cashWithdrawalAllowed: true,
  cardNotPresentAllowed: true,
  holdIncludesFees: false,
};

/** True once the month named by `expiryMonth` has ended (UTC). */
export function isCardExpired(expiryMonth: string, nowMs: number): boolean {
  const match = /^(\d{4})-(\d{2})$/.exec(expiryMonth);
  if (match === null) {
    return true;
  }
  const firstDayAfterExpiryMs = Date.UTC(Number(match[1]), Number(match[2]), 1);
  return nowMs >= firstDayAfterExpiryMs;
}

export type CardStatusChange =
  | { readonly kind: 'changed'; readonly card: Card }
  | { readonly kind: 'unchanged'; readonly card: Card }
  | { readonly kind: 'refused'; readonly reason: 'card_not_changeable' };

/** Freeze is instant and reversible; a lost, stolen or closed card can no longer be frozen. */
export function freezeCard(card: Card): CardStatusChange {
  if (card.status === 'frozen') {
    return { kind: 'unchanged', card };
  }
  if (card.status !== 'active') {
    return { kind: 'refused', reason: 'card_not_changeable' };
  }
  return { kind: 'changed', card: { ...card, status: 'frozen' } };
}

export function unfreezeCard(card: Card): CardStatusChange {
  if (card.status === 'active') {
    return { kind: 'unchanged', card };
  }
  if (card.status !== 'frozen') {
    return { kind: 'refused', reason: 'card_not_changeable' };
  }
  return { kind: 'changed', card: { ...card, status: 'active' } };
}

export function activateCard(card: Card): CardStatusChange {
  if (card.status === 'active') {
    return { kind: 'unchanged', card };
  }
  if (card.status !== 'not_activated') {
    return { kind: 'refused', reason: 'card_not_changeable' };
  }
  return { kind: 'changed', card: { ...card, status: 'active' } };
}

/** Lost, stolen and closed are final. */
export function reportCard(card: Card, report: 'lost' | 'stolen' | 'closed'): CardStatusChange {
  if (card.status === report) {
    return { kind: 'unchanged', card };
  }
  if (card.status === 'lost' || card.status === 'stolen' || card.status === 'closed') {
    return report === 'closed'
      ? { kind: 'changed', card: { ...card, status: 'closed' } }
      : { kind: 'refused', reason: 'card_not_changeable' };
  }
  return { kind: 'changed', card: { ...card, status: report } };
}
