import { z } from 'zod';

import { apnsSectionSchema, fcmSectionSchema } from '@corebank/notifications-service';
import {
  envEnum,
  envInteger,
  envList,
  envMilliseconds,
  envString,
  type EnvRecord,
  loadConfigSections,
} from '@corebank/platform-config';
import type { KafkaEventBusConfigInput } from '@corebank/platform-event-bus';
import { observabilityConfigSchema } from '@corebank/platform-observability';
import { HS256_SECRET_BYTES_MIN } from '@corebank/platform-auth';

/**
 * The bank's configuration (every service in one process on the embedded engines), validated once
 * at boot (STYLE §7). Ports are fixed well-known defaults so the demo, the CLI and the README agree;
 * 0 picks a free port (the tests do), and the bound ports are printed in the ready line.
 */
export const bankConfigSchema = z.object({
  /** Loopback only: the card-gateway runs without processor authentication here. */
  BANK_HOST: envString({ default: '127.0.0.1' }),
  /** Every service's SQLite files and the shared embedded bus live under this directory. */
  BANK_DATA_DIR: envString({ default: 'data' }),
  BANK_LEDGER_GRPC_PORT: envInteger({ default: 50_051, min: 0, max: 65_535 }),
  BANK_AUTHORIZATION_GRPC_PORT: envInteger({ default: 50_052, min: 0, max: 65_535 }),
  BANK_SOAP_PORT: envInteger({ default: 8080, min: 0, max: 65_535 }),
  BANK_SOAP_PATH: envString({ default: '/ehi' }),
  BANK_FEED_PORT: envInteger({ default: 8081, min: 0, max: 65_535 }),
  /** Device and webhook registration (notifications' own API). */
  BANK_NOTIFICATIONS_PORT: envInteger({ default: 8082, min: 0, max: 65_535 }),
  /** authorization's own /cards port; a free one by default, as clients use BANK_PUBLIC_PORT. */
  BANK_AUTHORIZATION_HTTP_PORT: envInteger({ default: 0, min: 0, max: 65_535 }),
  /** One port for every customer API and the web page, routed by path as an Ingress would. */
  BANK_PUBLIC_PORT: envInteger({ default: 8000, min: 0, max: 65_535 }),
  /** Service n (in start order, from 0) serves /health and /metrics on base + 1 + n; 0: free ports. */
  BANK_OPS_PORT_BASE: envInteger({ default: 9460, min: 0, max: 65_000 }),
  /** wsdl/ of this repository, relative to the working directory (`npm start` runs at the root). */
  BANK_WSDL_PATH: envString({ default: 'wsdl/ehi-endpoint-v52.wsdl' }),
  /**
   * The card-gateway's whole reply budget. Production runs 80 ms (the gateway's default); the
   * one-process demo shares a laptop's cores with everything else, so it allows 150 ms, still
   * inside the processor's 200 ms. Set 80 to see production's behaviour.
   */
  BANK_SOAP_DEADLINE_BUDGET_MS: envMilliseconds({ default: 150, min: 10, max: 1000 }),
  /** Snowflake worker ids: the n-th service in start order gets base + n. */
  BANK_WORKER_ID_BASE: envInteger({ default: 1, min: 0, max: 1000 }),
  /** Logos are never fetched by the bank; the base only shapes the URLs put in the feed. */
  BANK_MERCHANT_LOGO_BASE_URL: envString({ default: 'https://logos.corebank.invalid/merchants' }),
  BANK_DEMO_CURRENCY: envString({ default: 'GBP' }),
  /** Minor units put on the demo account at its first start. */
  BANK_DEMO_FUNDING_MINOR: envInteger({ default: 100_000, min: 0, max: 1_000_000_000 }),
  /** The processor token of the demo's fake card (what `corebank pay` sends as Token). */
  BANK_DEMO_CARD_TOKEN: envString({ default: '900000001' }).refine(
    (token) => /^\d{1,16}$/.test(token),
    'expected up to 16 digits',
  ),
  BANK_SHUTDOWN_GRACE_MS: envMilliseconds({ default: 10_000, min: 100, max: 120_000 }),
  /**
   * HS256 key of the customer APIs' bearer tokens. Unset: a random key per start, so only the demo
   * token the banner prints works. Set it when something else signs tokens for accounts it opens
   * (the acceptance scenarios, the prober, bench/pipeline).
   */
  BANK_CUSTOMER_TOKEN_SECRET: envString({ minLength: HS256_SECRET_BYTES_MIN }).optional(),
});

/**
 * Which engine carries the bank's events. `embedded`: one SQLite log under BANK_DATA_DIR shared by
 * every service. `kafka`: the brokers in KAFKA_BROKERS, whose topics must already exist (the bank
 * never creates topics; production provisions them, tests create them on the mock cluster).
 */
const bankBusSectionSchema = z
  .object({
    BANK_BUS_ENGINE: envEnum(['embedded', 'kafka'], { default: 'embedded' }),
    KAFKA_BROKERS: envList(z.string()).optional(),
    /** Each service connects as `<prefix>-<service>`, so broker logs tell them apart. */
    KAFKA_CLIENT_ID_PREFIX: envString({ default: 'corebank' }),
    KAFKA_REQUEST_TIMEOUT_MS: envMilliseconds({ default: 30_000, min: 100, max: 120_000 }),
    /** Tests shorten these: the librdkafka mock waits `session - 1 s` per group rebalance. */
    KAFKA_SESSION_TIMEOUT_MS: envMilliseconds({ default: 30_000, min: 1_000, max: 300_000 }),
    KAFKA_HEARTBEAT_INTERVAL_MS: envMilliseconds({ default: 3_000, min: 100, max: 60_000 }),
    KAFKA_FETCH_MAX_WAIT_MS: envMilliseconds({ default: 1_000, min: 10, max: 30_000 }),
  })
  .transform((env, context): BankBusSettings => {
    if (env.BANK_BUS_ENGINE === 'embedded') {
      return { engine: 'embedded' };
    }
    if (env.KAFKA_BROKERS === undefined) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['KAFKA_BROKERS'],
        message: 'required when BANK_BUS_ENGINE=kafka',
      });
      return z.NEVER;
    }
    return {
      engine: 'kafka',
      clientIdPrefix: env.KAFKA_CLIENT_ID_PREFIX,
      kafka: {
        brokers: [...env.KAFKA_BROKERS],
        requestTimeoutMs: env.KAFKA_REQUEST_TIMEOUT_MS,
        sessionTimeoutMs: env.KAFKA_SESSION_TIMEOUT_MS,
        heartbeatIntervalMs: env.KAFKA_HEARTBEAT_INTERVAL_MS,
        fetchMaxWaitMs: env.KAFKA_FETCH_MAX_WAIT_MS,
      },
    };
  });

/** The bus engine; each service's clientId is added when its bus config is built. */
export type BankBusSettings =
  | { readonly engine: 'embedded' }
  | {
      readonly engine: 'kafka';
      readonly clientIdPrefix: string;
      readonly kafka: Omit<KafkaEventBusConfigInput, 'clientId'>;
    };

export type BankConfig = ReturnType<typeof loadBankConfig>;

/**
 * The flat BANK_* settings, plus `bus` (engine), `apns`/`fcm` (push providers handed to
 * notifications as they are; undefined means that provider is off) and `observability` (the
 * process's log level and tracing).
 */
export function loadBankConfig(env: EnvRecord = process.env) {
  const sections = loadConfigSections(
    {
      bank: bankConfigSchema,
      bus: bankBusSectionSchema,
      apns: apnsSectionSchema,
      fcm: fcmSectionSchema,
      // LOG_LEVEL, OTEL_* and TRACE_RECORDER_*: one tracing and one log level for the process.
      observability: observabilityConfigSchema,
    },
    env,
  );
  return {
    ...sections.bank,
    bus: sections.bus,
    apns: sections.apns,
    fcm: sections.fcm,
    observability: sections.observability,
  };
}
