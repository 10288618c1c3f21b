import { readFileSync } from 'node:fs';

import { z } from 'zod';

import type { bootstrap as bootstrapNotifications } from '@corebank/notifications-service';
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

type NotificationsBootstrapConfig = Parameters<typeof bootstrapNotifications>[0];
type ApnsSettings = NonNullable<NotificationsBootstrapConfig['apns']>;
type FcmSettings = NonNullable<NotificationsBootstrapConfig['fcm']>;

/** Apple: a provider token lives at most 60 minutes and may be refreshed at most every 20. */
const APNS_TOKEN_REFRESH_MIN_MS = 20 * 60_000;
const APNS_TOKEN_REFRESH_MAX_MS = 59 * 60_000;

function readTextFile(path: string, context: z.RefinementCtx, variable: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    context.addIssue({
      code: z.ZodIssueCode.custom,
      path: [variable],
      message: `cannot read ${path}: ${String(error)}`,
    });
    return z.NEVER;
  }
}

/**
 * APNs for the bank's notifications, with the variables (and meaning) of apps/notifications'
 * config: on when APNS_ORIGIN is set, e.g. at a local test server with APNS_CA_PATH. Off by
 * default: a laptop has no push credentials, and webhooks still go out.
 */
const bankApnsSectionSchema = z
  .object({
    APNS_ORIGIN: envString().optional(),
    APNS_KEY_PATH: envString().optional(),
    APNS_KEY_ID: envString().optional(),
    APNS_TEAM_ID: envString().optional(),
    APNS_TOPIC: envString().optional(),
    APNS_CA_PATH: envString().optional(),
    APNS_TOKEN_REFRESH_AFTER_MS: envMilliseconds({
      default: 50 * 60_000,
      min: APNS_TOKEN_REFRESH_MIN_MS,
      max: APNS_TOKEN_REFRESH_MAX_MS,
    }),
    NOTIFICATIONS_PROVIDER_TIMEOUT_MS: envMilliseconds({ default: 5_000, min: 1, max: 60_000 }),
  })
  .transform((env, context): ApnsSettings | undefined => {
    if (env.APNS_ORIGIN === undefined) {
      return undefined;
    }
    const { APNS_KEY_PATH: keyPath, APNS_KEY_ID: keyId, APNS_TEAM_ID: teamId } = env;
    const topic = env.APNS_TOPIC;
    if (
      keyPath === undefined ||
      keyId === undefined ||
      teamId === undefined ||
      topic === undefined
    ) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['APNS_KEY_PATH'],
        message:
          'APNS_KEY_PATH, APNS_KEY_ID, APNS_TEAM_ID and APNS_TOPIC are required with APNS_ORIGIN',
      });
      return z.NEVER;
    }
    const settings: ApnsSettings = {
      origin: env.APNS_ORIGIN,
      signingKeyPem: readTextFile(keyPath, context, 'APNS_KEY_PATH'),
      keyId,
      teamId,
      topic,
      tokenRefreshAfterMs: env.APNS_TOKEN_REFRESH_AFTER_MS,
      requestTimeoutMs: env.NOTIFICATIONS_PROVIDER_TIMEOUT_MS,
    };
    return env.APNS_CA_PATH === undefined
      ? settings
      : { ...settings, caPem: readTextFile(env.APNS_CA_PATH, context, 'APNS_CA_PATH') };
  });

const serviceAccountFileSchema = z.object({
  project_id: z.string().min(1),
  client_email: z.string().email(),
  private_key: z.string().min(64),
  token_uri: z.string().url().optional(),
});

/** FCM, as in apps/notifications: on when FCM_SERVICE_ACCOUNT_PATH names a service-account key. */
const bankFcmSectionSchema = z
  .object({
    FCM_SERVICE_ACCOUNT_PATH: envString().optional(),
    FCM_TOKEN_URL: envString().optional(),
    FCM_API_ORIGIN: envString({ default: 'https://fcm.googleapis.com' }),
    NOTIFICATIONS_PROVIDER_TIMEOUT_MS: envMilliseconds({ default: 5_000, min: 1, max: 60_000 }),
  })
  .transform((env, context): FcmSettings | undefined => {
    if (env.FCM_SERVICE_ACCOUNT_PATH === undefined) {
      return undefined;
    }
    const text = readTextFile(env.FCM_SERVICE_ACCOUNT_PATH, context, 'FCM_SERVICE_ACCOUNT_PATH');
    let parsed: z.SafeParseReturnType<unknown, z.infer<typeof serviceAccountFileSchema>>;
    try {
      parsed = serviceAccountFileSchema.safeParse(JSON.parse(text));
    } catch {
      parsed = serviceAccountFileSchema.safeParse(undefined);
    }
    if (!parsed.success) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['FCM_SERVICE_ACCOUNT_PATH'],
        message: 'not a service-account JSON key (project_id, client_email, private_key)',
      });
      return z.NEVER;
    }
    const tokenUrl = env.FCM_TOKEN_URL ?? parsed.data.token_uri;
    if (tokenUrl === undefined) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['FCM_TOKEN_URL'],
        message: 'required when the key file has no token_uri',
      });
      return z.NEVER;
    }
    return {
      serviceAccount: {
        projectId: parsed.data.project_id,
        clientEmail: parsed.data.client_email,
        privateKeyPem: parsed.data.private_key,
      },
      tokenUrl,
      apiOrigin: env.FCM_API_ORIGIN,
      requestTimeoutMs: env.NOTIFICATIONS_PROVIDER_TIMEOUT_MS,
    };
  });

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
      apns: bankApnsSectionSchema,
      fcm: bankFcmSectionSchema,
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
