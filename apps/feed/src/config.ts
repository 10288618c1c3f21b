import { z } from 'zod';

import {
  envEnum,
  envInteger,
  envMilliseconds,
  envString,
  type EnvRecord,
  loadConfigSections,
} from '@corebank/platform-config';
import { eventBusConfigSchema } from '@corebank/platform-event-bus';
import { idsConfigSchema } from '@corebank/platform-ids';
import { authConfigSchema } from '@corebank/platform-auth';
import { observabilityConfigSchema } from '@corebank/platform-observability';
import { storeConfigSchema } from '@corebank/platform-storage';

import { isKnownTimeZone } from './application/get-balance/spend-day';

/**
 * The feed service's configuration, validated once at boot (STYLE §7). Bearer tokens are the
 * `auth` section (AUTH_JWT_*, @corebank/platform-auth), shared with every customer-facing API.
 */
export const feedConfigSchema = z.object({
  FEED_HTTP_HOST: envString({ default: '127.0.0.1' }),
  /** 0 picks a free port (returned by bootstrap). */
  FEED_HTTP_PORT: envInteger({ min: 0, max: 65_535 }),
  /** Metrics and health (/metrics, /health/live, /health/ready); 0 picks a free port. */
  FEED_OPS_HTTP_PORT: envInteger({ default: 0, min: 0, max: 65_535 }),
  FEED_HEALTH_CHECK_TIMEOUT_MS: envMilliseconds({ default: 1_000, min: 10, max: 10_000 }),
  /** The consumer group on enrichment.transactions.v1. */
  FEED_GROUP_ID: envString({ default: 'feed' }),
  FEED_DELIVERY_ATTEMPTS_MAX: envInteger({ default: 5, min: 1, max: 50 }),
  FEED_BACKOFF_INITIAL_MS: envMilliseconds({ default: 50, min: 1, max: 10_000 }),
  FEED_BACKOFF_MAX_MS: envMilliseconds({ default: 1_000, min: 1, max: 60_000 }),
  FEED_REQUEST_BODY_BYTES_MAX: envInteger({ default: 65_536, min: 1_024, max: 1_048_576 }),
  FEED_SSE_HEARTBEAT_MS: envMilliseconds({ default: 15_000, min: 10, max: 300_000 }),
  /** Events queued for one slow SSE client before it is disconnected (it resumes by Last-Event-ID). */
  FEED_SSE_BUFFER_EVENTS_MAX: envInteger({ default: 256, min: 1, max: 10_000 }),
  /** Items replayed after Last-Event-ID; a client further behind re-reads GET /transactions. */
  FEED_SSE_RESUME_ITEMS_MAX: envInteger({ default: 100, min: 1, max: 1_000 }),
  /** host:port of the ledger's gRPC server (GET /balance). An endpoint: no default. */
  FEED_LEDGER_GRPC_ADDRESS: envString(),
  FEED_LEDGER_CALL_TIMEOUT_MS: envMilliseconds({ default: 500, min: 10, max: 30_000 }),
  /** spend_today counts from FEED_SPEND_DAY_START_HOUR:00 in this IANA zone (Mondo: about 04:00 local). */
  FEED_SPEND_TIME_ZONE: envString({ default: 'Europe/London' }).refine(
    isKnownTimeZone,
    'expected an IANA time zone',
  ),
  FEED_SPEND_DAY_START_HOUR: envInteger({ default: 4, min: 0, max: 23 }),
  /** Transactions read to sum spend_today; bounds the work of one GET /balance. */
  FEED_SPEND_TODAY_ITEMS_MAX: envInteger({ default: 1_000, min: 100, max: 10_000 }),
  FEED_LOG_LEVEL: envEnum(['error', 'warn', 'info', 'debug'], { default: 'info' }),
});

/** The bus: embedded (SQLite log) unless KAFKA_BROKERS is set; see @corebank/platform-event-bus. */
const busSectionSchema = eventBusConfigSchema({ clientId: 'feed' });

type LoadedFeedConfig = ReturnType<typeof loadFeedConfig>;

/**
 * What bootstrap takes. `observability` (OTEL_*, TRACE_RECORDER_*; the log level is
 * FEED_LOG_LEVEL) sets tracing up when the feed owns its process; a host that writes the
 * sections out by hand (the bank) sets tracing up itself and need not name it.
 */
export type FeedConfig = Omit<LoadedFeedConfig, 'observability'> & {
  readonly observability?: LoadedFeedConfig['observability'];
};

export const FEED_CONFIG = Symbol('FEED_CONFIG');

export function loadFeedConfig(env: EnvRecord = process.env) {
  return loadConfigSections(
    {
      feed: feedConfigSchema,
      auth: authConfigSchema,
      store: storeConfigSchema({ sqlitePath: 'data/feed.db' }),
      ids: idsConfigSchema,
      bus: busSectionSchema,
      observability: observabilityConfigSchema,
    },
    env,
  );
}
