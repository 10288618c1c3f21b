import { z } from 'zod';

import {
  envBoolean,
  envInteger,
  envMilliseconds,
  envString,
  type EnvRecord,
  loadConfigSections,
} from '@corebank/platform-config';
import { observabilityConfigSchema } from '@corebank/platform-observability';
import { storeConfigSchema } from '@corebank/platform-storage';

import { opsHttpConfigSchema } from './ops/ops-http-config';

/**
 * The ledger's configuration, validated once at boot (STYLE §7). The store section is the
 * storage lib's: Cassandra when CASSANDRA_CONTACT_POINTS is set, else the SQLite file at
 * STORE_SQLITE_PATH (STORE_SQLITE_SYNCHRONOUS=full fsyncs every commit).
 */
export const ledgerConfigSchema = z.object({
  LEDGER_GRPC_HOST: envString({ default: '127.0.0.1' }),
  /** 0 picks a free port (printed at boot). */
  LEDGER_GRPC_PORT: envInteger({ min: 0, max: 65_535 }),
  /** Snowflake worker id of this process; distinct per live ledger process. */
  LEDGER_WORKER_ID: envInteger({ min: 0, max: 1023 }),
  LEDGER_GROUP_COMMIT_WINDOW_MS: envMilliseconds({ default: 1, max: 100 }),
  LEDGER_GROUP_COMMIT_ITEMS_MAX: envInteger({ default: 8190, min: 1, max: 100_000 }),
  LEDGER_COMMIT_QUEUE_ITEMS_MAX: envInteger({ default: 100_000, min: 1, max: 10_000_000 }),
  LEDGER_COMMIT_ATTEMPTS_MAX: envInteger({ default: 200, min: 1, max: 10_000 }),
  LEDGER_COMMIT_BACKOFF_MAX_MS: envMilliseconds({ default: 20, min: 1, max: 1000 }),
  /** An undecided commit older than this is presumed dead and aborted by other writers. */
  LEDGER_COMMIT_LEASE_MS: envMilliseconds({ default: 2000, min: 100, max: 60_000 }),
  LEDGER_STORE_BATCH_STATEMENTS_MAX: envInteger({ default: 5000, min: 1, max: 10_000 }),
  LEDGER_STORE_GET_MANY_KEYS_MAX: envInteger({ default: 1000, min: 1, max: 1000 }),
  LEDGER_COMMIT_STATUS_CACHE_MAX: envInteger({ default: 100_000, min: 1, max: 10_000_000 }),
  LEDGER_EXPIRY_SWEEP_ENABLED: envBoolean({ default: true }),
  LEDGER_EXPIRY_SWEEP_INTERVAL_MS: envMilliseconds({ default: 1000, min: 10, max: 600_000 }),
  LEDGER_EXPIRY_SWEEP_ITEMS_MAX: envInteger({ default: 1000, min: 1, max: 8190 }),
  LEDGER_SHUTDOWN_GRACE_MS: envMilliseconds({ default: 5000, min: 0, max: 60_000 }),
});

export type LedgerConfig = ReturnType<typeof loadLedgerConfig>;

export const LEDGER_CONFIG = Symbol('LEDGER_CONFIG');

export function loadLedgerConfig(env: EnvRecord = process.env) {
  return loadConfigSections(
    {
      ledger: ledgerConfigSchema,
      store: storeConfigSchema({ sqlitePath: 'data/ledger.db' }),
      observability: observabilityConfigSchema,
      ops: opsHttpConfigSchema,
    },
    env,
  );
}
