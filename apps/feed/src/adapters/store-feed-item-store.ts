import { PlatformError } from '@corebank/platform-errors';
import type { Row, Store } from '@corebank/platform-storage';

import type { FeedItem } from '../domain/feed-item';
import type { FeedItemChange, FeedItemStore, ItemIdRange } from '../ports/feed-item-store.port';
import { feedItemFromDocument, feedItemToDocument } from './feed-item-document';
import {
  FEED_CHANGES_BY_ACCOUNT_TABLE,
  FEED_ITEM_KEYS_TABLE,
  FEED_ITEMS_BY_ACCOUNT_TABLE,
  FEED_ITEMS_TABLE,
  TRANSACTIONS_BY_ACCOUNT_TABLE,
} from './feed-tables';

function itemRow(item: FeedItem): Row {
  return {
    item_id: item.itemId,
    account_id: item.accountId,
    revision: item.revision,
    document: feedItemToDocument(item),
    updated_at: new Date(item.updatedAt),
  };
}

function rangeOf(range: ItemIdRange): { gt?: bigint; lt?: bigint } {
  return {
    ...(range.afterId === undefined ? {} : { gt: range.afterId }),
    ...(range.beforeId === undefined ? {} : { lt: range.beforeId }),
  };
}

/**
 * Conditional inserts per appended change before giving up: each lost race means another writer
 * took the position, so this bounds the writers of one account racing at one moment.
 */
export const CHANGE_APPEND_ATTEMPTS_MAX = 16;

/** The feed read model on the store port (SQLite embedded, Cassandra in production). */
export class StoreFeedItemStore implements FeedItemStore {
  constructor(private readonly store: Store) {}

  async itemIdForKey(naturalKey: string, candidateId: bigint): Promise<bigint> {
    const result = await this.store.insertIfNotExists(FEED_ITEM_KEYS_TABLE, {
      natural_key: naturalKey,
      item_id: candidateId,
    });
    if (result.applied) {
      return candidateId;
    }
    const existing = result.current?.['item_id'];
    if (typeof existing !== 'bigint') {
      throw new Error('feed_item_keys row without item_id');
    }
    return existing;
  }

  async get(itemId: bigint): Promise<FeedItem | undefined> {
    const row = await this.store.get(FEED_ITEMS_TABLE, { item_id: itemId });
    return row === undefined ? undefined : feedItemFromDocument(row['document']);
  }

  async insert(item: FeedItem): Promise<boolean> {
    const result = await this.store.insertIfNotExists(FEED_ITEMS_TABLE, itemRow(item));
    return result.applied;
  }

  async replace(item: FeedItem, expectedRevision: bigint): Promise<boolean> {
    const { item_id: _itemId, ...set } = itemRow(item);
    const result = await this.store.updateIf(FEED_ITEMS_TABLE, { item_id: item.itemId }, set, {
      revision: expectedRevision,
    });
    return result.applied;
  }

  async index(item: FeedItem): Promise<void> {
    const indexRow = { account_id: item.accountId, item_id: item.itemId, kind: item.kind };
    await this.store.batch([
      ...(item.kind === 'transaction'
        ? [{ kind: 'upsert' as const, table: TRANSACTIONS_BY_ACCOUNT_TABLE, row: indexRow }]
        : []),
      { kind: 'upsert', table: FEED_ITEMS_BY_ACCOUNT_TABLE, row: indexRow },
    ]);
  }

  listTransactions(accountId: string, range: ItemIdRange): Promise<readonly FeedItem[]> {
    return this.list(TRANSACTIONS_BY_ACCOUNT_TABLE, accountId, range, 'desc');
  }

  async appendChange(item: FeedItem): Promise<bigint> {
    for (let attempt = 1; attempt <= CHANGE_APPEND_ATTEMPTS_MAX; attempt += 1) {
      const latest = await this.store.query({
        table: FEED_CHANGES_BY_ACCOUNT_TABLE,
        partition: { account_id: item.accountId },
        order: 'desc',
        limit: 1,
      });
      const latestSequence = latest.rows[0]?.['sequence'];
      const sequence = (typeof latestSequence === 'bigint' ? latestSequence : 0n) + 1n;
      // The position is taken by a conditional insert: of racing writers exactly one gets it.
      const result = await this.store.insertIfNotExists(FEED_CHANGES_BY_ACCOUNT_TABLE, {
        account_id: item.accountId,
        sequence,
        item_id: item.itemId,
        revision: item.revision,
      });
      if (result.applied) {
        return sequence;
      }
    }
    throw new PlatformError(
      'conflict.feed_change_sequence_contended',
      'too many concurrent changes on one account',
      { retryable: true },
    );
  }

  async listChangesAfter(
    accountId: string,
    afterSequence: bigint,
    limit: number,
  ): Promise<readonly FeedItemChange[]> {
    const page = await this.store.query({
      table: FEED_CHANGES_BY_ACCOUNT_TABLE,
      partition: { account_id: accountId },
      range: { gt: afterSequence },
      order: 'asc',
      limit,
    });
    // One entry per item, at its latest position: the client needs the current state once.
    const latestByItem = new Map<bigint, bigint>();
    for (const row of page.rows) {
      const itemId = row['item_id'];
      const sequence = row['sequence'];
      if (typeof itemId === 'bigint' && typeof sequence === 'bigint') {
        latestByItem.set(itemId, sequence);
      }
    }
    if (latestByItem.size === 0) {
      return [];
    }
    const rows = await this.store.getMany(
      FEED_ITEMS_TABLE,
      [...latestByItem.keys()].map((id) => ({ item_id: id })),
    );
    const items = new Map(
      rows.map((row) => [row['item_id'], feedItemFromDocument(row['document'])]),
    );
    return [...latestByItem.entries()]
      .sort(([, left], [, right]) => (left < right ? -1 : left > right ? 1 : 0))
      .flatMap(([itemId, sequence]) => {
        const item = items.get(itemId);
        return item === undefined ? [] : [{ sequence, item }];
      });
  }

  private async list(
    table: string,
    accountId: string,
    range: ItemIdRange,
    order: 'asc' | 'desc',
  ): Promise<readonly FeedItem[]> {
    const page = await this.store.query({
      table,
      partition: { account_id: accountId },
      range: rangeOf(range),
      order,
      limit: range.limit,
    });
    const ids = page.rows
      .map((row) => row['item_id'])
      .filter((id): id is bigint => typeof id === 'bigint');
    if (ids.length === 0) {
      return [];
    }
    const rows = await this.store.getMany(
      FEED_ITEMS_TABLE,
      ids.map((id) => ({ item_id: id })),
    );
    const byId = new Map(
      rows.map((row) => [row['item_id'], feedItemFromDocument(row['document'])]),
    );
    return ids.map((id) => byId.get(id)).filter((item): item is FeedItem => item !== undefined);
  }
}
