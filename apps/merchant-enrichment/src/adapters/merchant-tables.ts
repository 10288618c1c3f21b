import type { Migration } from '@corebank/platform-storage';

export const MERCHANTS_TABLE = 'merchants_by_key';

/**
 * One row per merchant natural key. The key is the whole partition, so the conditional insert
 * that creates a merchant is a single-row lightweight transaction on Cassandra.
 */
export const MERCHANT_ENRICHMENT_MIGRATIONS: readonly Migration[] = [
  {
    id: '0001-merchants-by-key',
    description: 'merchants created once per acquirer merchant id or name/city/country',
    createTables: [
      {
        name: MERCHANTS_TABLE,
        columns: {
          merchant_key: 'text',
          merchant_id: 'text',
          group_id: 'text',
          name: 'text',
          category: 'text',
          emoji: 'text',
          logo_url: 'text',
          address: 'json',
          created_at: 'timestamp',
        },
        partitionKey: ['merchant_key'],
      },
    ],
  },
];
