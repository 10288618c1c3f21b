import { z } from 'zod';

import {
  envInteger,
  envMilliseconds,
  envString,
  type EnvRecord,
  loadConfigSections,
} from '@corebank/platform-config';
import { eventBusConfigSchema } from '@corebank/platform-event-bus';
import { idsConfigSchema } from '@corebank/platform-ids';
import { observabilityConfigSchema } from '@corebank/platform-observability';
import { storeConfigSchema } from '@corebank/platform-storage';

/**
 * The merchant-enrichment service's configuration, validated once at boot (STYLE §7). Store: the
 * storage lib's section (SQLite at STORE_SQLITE_PATH unless CASSANDRA_CONTACT_POINTS is set).
 * Ids: the ids lib's section (merchant ids are `merch_` + snowflake).
 */
export const merchantEnrichmentConfigSchema = z.object({
  /** https base under which merchant logos are served (`<base>/<slug>.png`). An endpoint: no default. */
  MERCHANT_LOGO_BASE_URL: envString().refine(
    (value) => /^https:\/\/[^\s/?#@]+(?:\/[^\s?#]*)?$/.test(value),
    'expected an https URL without query or fragment',
  ),
  /** The consumer group on authorization.transactions.v1. */
  MERCHANT_ENRICHMENT_GROUP_ID: envString({ default: 'merchant-enrichment' }),
  /** Longer than this, the transaction is published unenriched and the update follows. */
  MERCHANT_ENRICHMENT_DEADLINE_MS: envMilliseconds({ default: 20, min: 1, max: 10_000 }),
  /** Tries to resolve a merchant within one delivery, before the bus redelivers the event. */
  MERCHANT_ENRICHMENT_ATTEMPTS_MAX: envInteger({ default: 5, min: 1, max: 20 }),
  MERCHANT_ENRICHMENT_BACKOFF_INITIAL_MS: envMilliseconds({ default: 50, min: 1, max: 10_000 }),
  MERCHANT_ENRICHMENT_BACKOFF_MAX_MS: envMilliseconds({ default: 1_000, min: 1, max: 60_000 }),
  /** Deliveries of one event (bus retry policy) before it goes to the dead-letter topic. */
  MERCHANT_ENRICHMENT_DELIVERY_ATTEMPTS_MAX: envInteger({ default: 5, min: 1, max: 50 }),
});

/** The bus: embedded (SQLite log) unless KAFKA_BROKERS is set; see @corebank/platform-event-bus. */
const busSectionSchema = eventBusConfigSchema({ clientId: 'merchant-enrichment' });

type LoadedMerchantEnrichmentConfig = ReturnType<typeof loadMerchantEnrichmentConfig>;

/**
 * What bootstrap takes. `observability` (LOG_LEVEL, OTEL_*, TRACE_RECORDER_*) is optional so a
 * host that writes the sections out by hand (the bank) gets the lib's defaults without naming it.
 */
export type MerchantEnrichmentConfig = Omit<LoadedMerchantEnrichmentConfig, 'observability'> & {
  readonly observability?: LoadedMerchantEnrichmentConfig['observability'];
};

export const MERCHANT_ENRICHMENT_CONFIG = Symbol('MERCHANT_ENRICHMENT_CONFIG');

export function loadMerchantEnrichmentConfig(env: EnvRecord = process.env) {
  return loadConfigSections(
    {
      enrichment: merchantEnrichmentConfigSchema,
      store: storeConfigSchema({ sqlitePath: 'data/merchant-enrichment.db' }),
      ids: idsConfigSchema,
      bus: busSectionSchema,
      observability: observabilityConfigSchema,
    },
    env,
  );
}
