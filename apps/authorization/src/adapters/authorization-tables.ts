import type { Migration } from '@corebank/platform-storage';

export const TABLES = {
  cards: 'authorization_cards',
  cardsByAccount: 'authorization_cards_by_account',
  accounts: 'authorization_accounts',
  requests: 'authorization_requests',
  processed: 'authorization_processed_messages',
  lifecycles: 'authorization_lifecycles',
  lifecycleIndex: 'authorization_lifecycle_index',
  dailySpend: 'authorization_daily_spend',
  outbox: 'authorization_outbox',
  quarantine: 'authorization_quarantine',
  holdRechecks: 'authorization_hold_rechecks',
} as const;

/** Tables of the authorization service, shaped for Cassandra (partition + clustering keys). */
export const AUTHORIZATION_MIGRATIONS: readonly Migration[] = [
  {
    id: 'authorization-0001-initial',
    description: 'cards, accounts, processed messages, lifecycles, daily spend, outbox, quarantine',
    createTables: [
      {
        name: TABLES.cards,
        columns: { token: 'text', card: 'json' },
        partitionKey: ['token'],
      },
      {
        name: TABLES.cardsByAccount,
        columns: { account_id: 'text', token: 'text' },
        partitionKey: ['account_id'],
        clusteringKey: [{ column: 'token', order: 'asc' }],
      },
      {
        name: TABLES.accounts,
        columns: { account_id: 'text', account: 'json' },
        partitionKey: ['account_id'],
      },
      {
        name: TABLES.requests,
        columns: { idempotency_key: 'text', result_id: 'text' },
        partitionKey: ['idempotency_key'],
      },
      {
        name: TABLES.processed,
        columns: { txn_id: 'text', record: 'json' },
        partitionKey: ['txn_id'],
      },
      {
        name: TABLES.lifecycles,
        columns: { lifecycle_id: 'text', lifecycle: 'json' },
        partitionKey: ['lifecycle_id'],
      },
      {
        name: TABLES.lifecycleIndex,
        columns: { token: 'text', match_key: 'text', lifecycle_id: 'text', txn_id: 'text' },
        partitionKey: ['token', 'match_key'],
      },
      {
        name: TABLES.dailySpend,
        columns: { token: 'text', day: 'text', spent_minor: 'bigint' },
        partitionKey: ['token', 'day'],
      },
      {
        name: TABLES.outbox,
        columns: { shard: 'int', entry_id: 'bigint', topic: 'text', envelope: 'json' },
        partitionKey: ['shard'],
        clusteringKey: [{ column: 'entry_id', order: 'asc' }],
      },
      {
        name: TABLES.quarantine,
        columns: { txn_key: 'text', reason: 'text', payload: 'text', quarantined_at: 'timestamp' },
        partitionKey: ['txn_key'],
      },
    ],
  },
  {
    id: 'authorization-0002-hold-rechecks',
    description: 'TXn_IDs voided before seen, to look for a late hold again when due',
    createTables: [
      {
        name: TABLES.holdRechecks,
        columns: { shard: 'int', due_at_ms: 'bigint', txn_id: 'text' },
        partitionKey: ['shard'],
        clusteringKey: [
          { column: 'due_at_ms', order: 'asc' },
          { column: 'txn_id', order: 'asc' },
        ],
      },
    ],
  },
];
