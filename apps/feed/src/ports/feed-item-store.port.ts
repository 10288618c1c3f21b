import type { FeedItem } from '../domain/feed-item';

export interface ItemIdRange {
  /** Exclusive lower bound on the item id. */
  readonly afterId?: bigint;
  /** Exclusive upper bound on the item id. */
  readonly beforeId?: bigint;
  readonly limit: number;
}

/**
 * The feed's read model. Items are keyed by their snowflake; transactions also by their natural
 * key. Errors: the store port's (`unavailable.store`, `timeout.store`, retryable).
 */
export interface FeedItemStore {
  /** The item id of a natural key: `candidateId` if this call created the mapping, else the existing one. */
  itemIdForKey(naturalKey: string, candidateId: bigint): Promise<bigint>;
  get(itemId: bigint): Promise<FeedItem | undefined>;
  /** Creates the item; false when one with its id already exists. */
  insert(item: FeedItem): Promise<boolean>;
  /** Replaces the item when its stored revision is `expectedRevision`; false otherwise. */
  replace(item: FeedItem, expectedRevision: bigint): Promise<boolean>;
  /** Writes the per-account index rows of an item (idempotent). */
  index(item: FeedItem): Promise<void>;
  /** One account's transactions in the range, newest first. */
  listTransactions(accountId: string, range: ItemIdRange): Promise<readonly FeedItem[]>;
  /** One account's items (transactions and custom items) after `range.afterId`, oldest first. */
  listFeedAscending(accountId: string, range: ItemIdRange): Promise<readonly FeedItem[]>;
}

export const FEED_ITEM_STORE = Symbol('FEED_ITEM_STORE');
