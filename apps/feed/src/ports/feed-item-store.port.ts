import type { FeedItem } from '../domain/feed-item';

export interface ItemIdRange {
  /** Exclusive lower bound on the item id. */
  readonly afterId?: bigint;
  /** Exclusive upper bound on the item id. */
  readonly beforeId?: bigint;
  readonly limit: number;
}

/** One position of an account's change sequence, with the item's state as stored now. */
export interface FeedItemChange {
  readonly sequence: bigint;
  readonly item: FeedItem;
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
  /**
   * Appends "this item changed" to its account's change sequence (1, 2, 3… per account, no
   * position taken twice, each visible before the next is taken) and returns the position.
   * Throws `conflict.feed_change_sequence_contended` (retryable) when too many writers race.
   */
  appendChange(item: FeedItem): Promise<bigint>;
  /**
   * Items changed after position `afterSequence`, oldest change first, each item once at the
   * position of its latest change, in its current state; reads at most `limit` positions.
   */
  listChangesAfter(
    accountId: string,
    afterSequence: bigint,
    limit: number,
  ): Promise<readonly FeedItemChange[]>;
}

export const FEED_ITEM_STORE = Symbol('FEED_ITEM_STORE');
