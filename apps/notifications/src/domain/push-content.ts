import { formatDecimalAmount, lookupCurrency, money } from '@corebank/domain-money';

import type { FeedItemEvent } from './feed-item-event';

/** What a phone shows for one feed item, and the ids that let the provider collapse repeats. */
export interface PushNotification {
  readonly itemId: string;
  readonly title: string;
  readonly body: string;
  /** Same for every send of one item, so a provider shows at most one notification for it. */
  readonly collapseId: string;
  /** After this instant the notification is stale: not sent, and providers drop it. */
  readonly expiresAtMs: number;
}

function merchantName(event: FeedItemEvent): string {
  const merchant = event.transaction.merchant;
  if (typeof merchant === 'object' && merchant !== null && merchant.name !== undefined) {
    return `${merchant.emoji === undefined ? '' : `${merchant.emoji} `}${merchant.name}`;
  }
  return event.transaction.description;
}

function formattedAmount(amountMinor: bigint, currencyCode: string): string {
  const lookup = lookupCurrency(currencyCode);
  if (lookup.kind !== 'currency') {
    return `${amountMinor} ${currencyCode} minor units`;
  }
  const absolute = amountMinor < 0n ? -amountMinor : amountMinor;
  return `${formatDecimalAmount(money(absolute, lookup.currency.code))} ${currencyCode}`;
}

/** APNs allows a collapse id of at most 64 bytes; item ids are `tx_` + a snowflake, far below. */
const COLLAPSE_ID_BYTES_MAX = 64;

export function pushNotificationFor(event: FeedItemEvent, ttlMs: number): PushNotification {
  const { amount, currency, decline_reason: declineReason } = event.transaction;
  const amountText = formattedAmount(amount, currency);
  const body =
    declineReason === undefined
      ? `${amount < 0n ? 'Spent' : 'Received'} ${amountText}`
      : `Declined: ${amountText} (${declineReason})`;
  return {
    itemId: event.itemId,
    title: merchantName(event),
    body,
    collapseId: Buffer.from(event.itemId).subarray(0, COLLAPSE_ID_BYTES_MAX).toString(),
    expiresAtMs: event.occurredAtMs + ttlMs,
  };
}
