import type { Migration, TableDefinition } from '@corebank/platform-storage';

/**
 * The ledger's tables on the store port. Amounts and balances are decimal text: balances may
 * exceed 64 bits, and text keeps them exact on both SQLite and Cassandra. Ids are bigint.
 *
 * Rows written by a commit carry its `commit_id`; they count only once `ledger_commits` says the
 * commit is `committed` (see store-ledger-repository.ts for the protocol).
 */
export const LEDGER_TABLES = {
  accounts: 'ledger_accounts',
  transfers: 'ledger_transfers',
  resolutions: 'ledger_pending_resolutions',
  accountTransfers: 'ledger_account_transfers',
  expiries: 'ledger_pending_expiries',
  commits: 'ledger_commits',
  sweeperState: 'ledger_sweeper_state',
} as const;

const balanceColumns = {
  debits_pending: 'text',
  debits_posted: 'text',
  credits_pending: 'text',
  credits_posted: 'text',
  prev_debits_pending: 'text',
  prev_debits_posted: 'text',
  prev_credits_pending: 'text',
  prev_credits_posted: 'text',
} as const;

const accounts: TableDefinition = {
  name: LEDGER_TABLES.accounts,
  columns: {
    id: 'bigint',
    currency_code: 'text',
    currency_exponent: 'int',
    code: 'text',
    debits_must_not_exceed_credits: 'boolean',
    credits_must_not_exceed_debits: 'boolean',
    user_data: 'text',
    created_at_ms: 'bigint',
    version: 'bigint',
    commit_id: 'bigint',
    ...balanceColumns,
  },
  partitionKey: ['id'],
};

const transfers: TableDefinition = {
  name: LEDGER_TABLES.transfers,
  columns: {
    id: 'bigint',
    debit_account_id: 'bigint',
    credit_account_id: 'bigint',
    amount_minor: 'text',
    currency_code: 'text',
    pending_id: 'bigint',
    timeout_seconds: 'bigint',
    user_data: 'text',
    flags: 'int',
    created_at_ms: 'bigint',
    commit_id: 'bigint',
  },
  partitionKey: ['id'],
};

const resolutions: TableDefinition = {
  name: LEDGER_TABLES.resolutions,
  columns: {
    pending_id: 'bigint',
    kind: 'text',
    resolving_transfer_id: 'bigint',
    resolved_at_ms: 'bigint',
    commit_id: 'bigint',
  },
  partitionKey: ['pending_id'],
};

const accountTransfers: TableDefinition = {
  name: LEDGER_TABLES.accountTransfers,
  columns: { account_id: 'bigint', transfer_id: 'bigint', commit_id: 'bigint' },
  partitionKey: ['account_id'],
  clusteringKey: [{ column: 'transfer_id', order: 'asc' }],
};

/** Partitioned by the hour the hold expires, so one partition never grows without bound. */
const expiries: TableDefinition = {
  name: LEDGER_TABLES.expiries,
  columns: {
    expires_hour: 'bigint',
    expires_at_ms: 'bigint',
    pending_id: 'bigint',
    commit_id: 'bigint',
  },
  partitionKey: ['expires_hour'],
  clusteringKey: [
    { column: 'expires_at_ms', order: 'asc' },
    { column: 'pending_id', order: 'asc' },
  ],
};

const commits: TableDefinition = {
  name: LEDGER_TABLES.commits,
  columns: { commit_id: 'bigint', status: 'text', decided_at_ms: 'bigint' },
  partitionKey: ['commit_id'],
};

const sweeperState: TableDefinition = {
  name: LEDGER_TABLES.sweeperState,
  columns: { name: 'text', low_water_hour: 'bigint' },
  partitionKey: ['name'],
};

export const LEDGER_MIGRATIONS: readonly Migration[] = [
  {
    id: 'ledger-0001',
    description: 'ledger accounts, transfers, resolutions, indexes and commit decisions',
    createTables: [
      accounts,
      transfers,
      resolutions,
      accountTransfers,
      expiries,
      commits,
      sweeperState,
    ],
  },
];
