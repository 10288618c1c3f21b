import type { Row, Store } from '@corebank/platform-storage';

import type { FeedItem } from '../domain/feed-item';
import type { FeedItemStore, ItemIdRange } from '../ports/feed-item-store.port';
import { feedItemFromDocument, feedItemToDocument } from './feed-item-document';
import {
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

  listFeedAscending(accountId: string, range: ItemIdRange): Promise<readonly FeedItem[]> {
    return this.list(FEED_ITEMS_BY_ACCOUNT_TABLE, accountId, range, 'asc');
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
