import { z } from 'zod';

import {
  envEnum,
  envInteger,
  envList,
  envMilliseconds,
  envSeconds,
  envString,
  type EnvRecord,
  loadConfigSections,
} from '@corebank/platform-config';
import { authConfigSchema } from '@corebank/platform-auth';
import { eventBusConfigSchema } from '@corebank/platform-event-bus';
import { idsConfigSchema } from '@corebank/platform-ids';
import { observabilityConfigSchema } from '@corebank/platform-observability';
import type { LocksConfig } from '@corebank/platform-locks';
import { storeConfigSchema } from '@corebank/platform-storage';

import { opsHttpConfigSchema } from './ops/ops-http-config';

/**
 * The authorization service's configuration, validated once at boot (STYLE §7). Store: the
 * storage lib's section (SQLite at STORE_SQLITE_PATH unless CASSANDRA_CONTACT_POINTS is set).
 * Ids: the ids lib's section (ID_WORKER_SOURCE, ID_WORKER_ID, ...).
 */
export const authorizationConfigSchema = z.object({
  AUTHORIZATION_GRPC_HOST: envString({ default: '127.0.0.1' }),
  /** 0 picks a free port (printed at boot). */
  AUTHORIZATION_GRPC_PORT: envInteger({ min: 0, max: 65_535 }),
  /** `host:port` of the ledger's gRPC server. No default: an endpoint. */
  LEDGER_GRPC_ADDRESS: envString(),
  /** Deadline of a ledger call made outside a served call (card management). */
  LEDGER_CALL_TIMEOUT_MS: envMilliseconds({ default: 2_000, min: 1, max: 60_000 }),
  /** The ledger voids a card hold by itself after this long (the processor's 10-day filter). */
  AUTH_HOLD_TTL_SECONDS: envSeconds({ default: 864_000, min: 0, max: 31_536_000 }),
  /** Time a decide message must have left before work starts and before its commit. */
  AUTH_DEADLINE_RESERVE_MS: envMilliseconds({ default: 5, min: 0, max: 1_000 }),
  AUTH_LOCK_WAIT_MS: envMilliseconds({ default: 2_000, min: 1, max: 60_000 }),
  AUTH_LOCK_TTL_MS: envMilliseconds({ default: 10_000, min: 1_000, max: 120_000 }),
  AUTH_OUTBOX_SHARDS: envInteger({ default: 8, min: 1, max: 256 }),
  AUTH_OUTBOX_RELAY_INTERVAL_MS: envMilliseconds({ default: 50, min: 1, max: 60_000 }),
  /** Every outbox shard is read this often even without a local commit (crash leftovers). */
  AUTH_OUTBOX_RELAY_SWEEP_INTERVAL_MS: envMilliseconds({ default: 1_000, min: 1, max: 600_000 }),
  AUTH_OUTBOX_RELAY_BATCH_MAX: envInteger({ default: 500, min: 1, max: 10_000 }),
  AUTH_OUTBOX_RELAY_ROUNDS_MAX: envInteger({ default: 20, min: 1, max: 10_000 }),
  /** Processed messages and lifecycles are kept this long (≥ the processor's 7-day re-send window). */
  AUTH_RECORD_RETENTION_SECONDS: envSeconds({ default: 7_776_000, min: 604_800, max: 315_360_000 }),
  /** A TXn_ID voided before we saw it is looked up in the ledger again this long after. */
  AUTH_LATE_HOLD_RECHECK_DELAY_MS: envMilliseconds({ default: 10_000, min: 1, max: 600_000 }),
  AUTH_LATE_HOLD_RECHECK_INTERVAL_MS: envMilliseconds({ default: 1_000, min: 10, max: 600_000 }),
  /**
   * A card read is answered from memory this long; this replica's own card changes are seen at
   * once, another replica's after at most this long. 0 (the default) reads the store every time,
   * so a freeze is exact across replicas; a single replica (the bank) can set more safely.
   */
  AUTH_CARD_CACHE_TTL_MS: envMilliseconds({ default: 0, min: 0, max: 60_000 }),
  /** Cards and accounts kept in memory (each); the oldest is dropped first. */
  AUTH_CACHE_ENTRIES_MAX: envInteger({ default: 100_000, min: 1, max: 10_000_000 }),
  AUTH_SHUTDOWN_GRACE_MS: envMilliseconds({ default: 5_000, min: 0, max: 60_000 }),
});

/** Which lock engine serialises messages per TXn_ID and per card. */
const locksSectionSchema = z
  .object({
    LOCKS_ENGINE: envEnum(['in-process', 'etcd'], { default: 'in-process' }),
    ETCD_ENDPOINTS: envList(z.string().url()).optional(),
    AUTH_LOCKS_ETCD_PREFIX: envString({ default: 'corebank/authorization/locks' }),
  })
  .transform((env, context): LocksConfig => {
    if (env.LOCKS_ENGINE === 'in-process') {
      return { engine: 'in-process' };
    }
    if (env.ETCD_ENDPOINTS === undefined) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['ETCD_ENDPOINTS'],
        message: 'required when LOCKS_ENGINE=etcd',
      });
      return z.NEVER;
    }
    return {
      engine: 'etcd',
      endpoints: [...env.ETCD_ENDPOINTS],
      prefix: env.AUTH_LOCKS_ETCD_PREFIX,
    };
  });

/** The bus: embedded (SQLite log) unless KAFKA_BROKERS is set; see @corebank/platform-event-bus. */
const busSectionSchema = eventBusConfigSchema({ clientId: 'authorization' });

/**
 * The customer /cards API (FEED-API.md): served only when AUTHORIZATION_HTTP_PORT is set, and then
 * the bearer-token key (AUTH_JWT_*, @corebank/platform-auth) is required, as on every customer API.
 */
const customerHttpSectionSchema = z
  .object({
    AUTHORIZATION_HTTP_HOST: envString({ default: '127.0.0.1' }),
    /** 0 picks a free port; unset serves no customer API (gRPC only). */
    AUTHORIZATION_HTTP_PORT: envInteger({ min: 0, max: 65_535 }).optional(),
  })
  .passthrough()
  .transform((env, context) => {
    if (env.AUTHORIZATION_HTTP_PORT === undefined) {
      return undefined;
    }
    const auth = authConfigSchema.safeParse(env);
    if (!auth.success) {
      for (const issue of auth.error.issues) {
        context.addIssue(issue);
      }
      return z.NEVER;
    }
    return {
      host: env.AUTHORIZATION_HTTP_HOST,
      port: env.AUTHORIZATION_HTTP_PORT,
      auth: auth.data,
    };
  });

export type AuthorizationConfig = ReturnType<typeof loadAuthorizationConfig>;

export const AUTHORIZATION_CONFIG = Symbol('AUTHORIZATION_CONFIG');

export function loadAuthorizationConfig(env: EnvRecord = process.env) {
  return loadConfigSections(
    {
      authorization: authorizationConfigSchema,
      store: storeConfigSchema({ sqlitePath: 'data/authorization.db' }),
      ids: idsConfigSchema,
      locks: locksSectionSchema,
      bus: busSectionSchema,
      observability: observabilityConfigSchema,
      ops: opsHttpConfigSchema,
      customerHttp: customerHttpSectionSchema,
    },
    env,
  );
}
