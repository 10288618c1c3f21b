import type { Migration } from '@corebank/platform-storage';

export const FEED_ITEMS_TABLE = 'feed_items';
export const FEED_ITEM_KEYS_TABLE = 'feed_item_keys';
export const TRANSACTIONS_BY_ACCOUNT_TABLE = 'feed_transactions_by_account';
export const FEED_ITEMS_BY_ACCOUNT_TABLE = 'feed_items_by_account';
export const FEED_CHANGES_BY_ACCOUNT_TABLE = 'feed_changes_by_account';

/**
 * Items live once, by id, so an update is one single-row compare-and-set on `revision`. The
 * per-account tables only index ids (newest first) and are written idempotently after the item.
 */
export const FEED_MIGRATIONS: readonly Migration[] = [
  {
    id: '0001-feed-items',
    description: 'feed items by id, natural key to item id, and per-account indexes',
    createTables: [
      {
        name: FEED_ITEMS_TABLE,
        columns: {
          item_id: 'bigint',
          account_id: 'text',
          revision: 'bigint',
          document: 'json',
          updated_at: 'timestamp',
        },
        partitionKey: ['item_id'],
      },
      {
        name: FEED_ITEM_KEYS_TABLE,
        columns: { natural_key: 'text', item_id: 'bigint' },
        partitionKey: ['natural_key'],
      },
      {
        name: TRANSACTIONS_BY_ACCOUNT_TABLE,
        columns: { account_id: 'text', item_id: 'bigint', kind: 'text' },
        partitionKey: ['account_id'],
        clusteringKey: [{ column: 'item_id', order: 'desc' }],
      },
      {
        name: FEED_ITEMS_BY_ACCOUNT_TABLE,
        columns: { account_id: 'text', item_id: 'bigint', kind: 'text' },
        partitionKey: ['account_id'],
        clusteringKey: [{ column: 'item_id', order: 'desc' }],
      },
    ],
  },
  {
    id: '0002-feed-changes',
    description: 'per-account change sequence: which item changed at each position (SSE resume)',
    createTables: [
      {
        name: FEED_CHANGES_BY_ACCOUNT_TABLE,
        columns: { account_id: 'text', sequence: 'bigint', item_id: 'bigint', revision: 'bigint' },
        partitionKey: ['account_id'],
        clusteringKey: [{ column: 'sequence', order: 'asc' }],
      },
    ],
  },
];
