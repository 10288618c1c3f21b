import type {
  EnrichedMerchant,
  FeedBasicItemJson,
  FeedItemEventDataJson,
  FeedMerchantJson,
  FeedTransactionJson,
} from '@corebank/domain-transaction-events';

import type { BasicFeedItem, FeedItem, TransactionFeedItem } from '../domain/feed-item';

/** Amounts travel as JSON integers; past 2^53 they would silently lose precision. */
export function safeInteger(value: bigint): number {
  const result = Number(value);
  if (!Number.isSafeInteger(result)) {
    throw new RangeError('amount outside the JSON safe integer range');
  }
  return result;
}

export type MerchantView = FeedMerchantJson;

function merchantView(merchant: EnrichedMerchant): MerchantView {
  return {
    id: merchant.id,
    group_id: merchant.groupId,
    name: merchant.name,
    logo: merchant.logoUrl,
    emoji: merchant.emoji,
    category: merchant.category,
    created: merchant.createdAt,
    address: merchant.address === null ? null : { ...merchant.address },
  };
}

/** `tx_<snowflake>`: transaction ids carry their type (FEED-API.md). */
export function transactionIdOf(itemId: bigint): string {
  return `tx_${itemId}`;
}

/** The item id inside a `tx_` id, or undefined for anything else. */
export function itemIdOfTransactionId(id: string): bigint | undefined {
  const match = /^tx_(0|[1-9][0-9]{0,18})$/.exec(id);
  return match?.[1] === undefined ? undefined : BigInt(match[1]);
}

/** The Mondo-shaped transaction object; `expandMerchant` embeds the merchant object. */
export function transactionView(
  item: TransactionFeedItem,
  expandMerchant: boolean,
): FeedTransactionJson {
  const transaction = item.transaction;
  const merchant = transaction.merchant;
  return {
    id: transactionIdOf(item.itemId),
    account_id: item.accountId,
    created: transaction.createdAt,
    amount: safeInteger(transaction.amountMinor),
    currency: transaction.currency,
    local_amount: safeInteger(transaction.localAmountMinor),
    local_currency: transaction.localCurrency,
    description: transaction.description,
    merchant: merchant === null ? null : expandMerchant ? merchantView(merchant) : merchant.id,
    category: transaction.category,
    notes: item.annotations.metadata['notes'] ?? '',
    metadata: { ...item.annotations.metadata },
    is_load: false,
    settled: transaction.settledAt ?? '',
    ...(transaction.declineReason === null ? {} : { decline_reason: transaction.declineReason }),
    ...(transaction.accountBalanceMinor === null
      ? {}
      : { account_balance: safeInteger(transaction.accountBalanceMinor) }),
    status: transaction.status,
    updated: item.updatedAt,
  };
}

export function basicItemView(item: BasicFeedItem): FeedBasicItemJson {
  return {
    id: `feeditem_${item.itemId}`,
    account_id: item.accountId,
    type: 'basic',
    created: item.createdAt,
    params: {
      title: item.title,
      image_url: item.imageUrl,
      body: item.body,
      background_color: item.backgroundColour,
      title_color: item.titleColour,
      body_color: item.bodyColour,
    },
    url: item.url,
  };
}

/**
 * What the SSE stream and feed.items.v1 carry for one item (merchant expanded): the `data` of
 * the feed item event, typed by @corebank/domain-transaction-events.
 */
export function feedItemView(item: FeedItem): FeedItemEventDataJson {
  return item.kind === 'transaction'
    ? { type: 'transaction', transaction: transactionView(item, true) }
    : { type: 'basic', item: basicItemView(item) };
}
