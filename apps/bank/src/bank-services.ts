import { join } from 'node:path';

import { bootstrap as bootstrapAuthorization } from '@corebank/authorization-service';
import { bootstrap as bootstrapCardGateway } from '@corebank/card-gateway-service';
import { bootstrap as bootstrapFeed } from '@corebank/feed-service';
import { bootstrap as bootstrapLedger } from '@corebank/ledger-service';
import { bootstrap as bootstrapMerchantEnrichment } from '@corebank/merchant-enrichment-service';
import { bootstrap as bootstrapNotifications } from '@corebank/notifications-service';
import { type AuthConfig, issueToken } from '@corebank/platform-auth';
import { loadConfigSections } from '@corebank/platform-config';
import type { EventBusConfig } from '@corebank/platform-event-bus';
import { idsConfigSchema } from '@corebank/platform-ids';
import type { InMemorySpanRecorder } from '@corebank/platform-observability';
import { storeConfigSchema } from '@corebank/platform-storage';

import type { BankConfig } from './config';
import type { DemoCustomer } from './demo-seed';

/** What every in-process service takes as its second bootstrap argument (ledger's shape). */
type ProcessHosting = NonNullable<Parameters<typeof bootstrapLedger>[1]>;

/** What a started service tells the bank: where it listens, and how to stop it. */
export interface StartedService {
  readonly name: string;
  /** Human-readable endpoints for the start-up banner, e.g. `{ grpc: '127.0.0.1:50051' }`. */
  readonly endpoints: Readonly<Record<string, string>>;
  /** What the demo customer needs to use this service (e.g. a bearer token), for the banner. */
  readonly demoAccess?: (demo: DemoCustomer) => Promise<Readonly<Record<string, string>>>;
  /** Drains and stops the service; the bank calls it once, in reverse start order. */
  close(): Promise<void>;
}

/** Shared by every service's start: the bank's config and what earlier services bound. */
export interface BankStartContext {
  readonly config: BankConfig;
  /** Snowflake worker id of this service (distinct per service in this process). */
  readonly workerId: number;
  /**
   * HS256 key every customer-facing API (feed, notifications) verifies bearer tokens with, so the
   * one demo token the bank issues works on all of them.
   */
  readonly customerTokenSecret: string;
  /** `host:port` of an already started service's gRPC server, by service name. */
  readonly grpcAddressOf: (serviceName: string) => string;
  /** The process's span recorder (one tracing per process); undefined when recording is off. */
  readonly traceRecorder: InMemorySpanRecorder | undefined;
}

export interface BankServiceDefinition {
  readonly name: string;
  /** Resolves once the service serves (ports bound, consumers subscribed). */
  start(context: BankStartContext): Promise<StartedService>;
}

/** Each service's SQLite file: one per service, as each owns its store (ARCHITECTURE §2). */
function sqliteStorePath(config: BankConfig, serviceName: string): string {
  return join(config.BANK_DATA_DIR, serviceName, 'store.db');
}

/** One bus file shared by every service, so what authorization publishes reaches consumers. */
export function sharedEventBusPath(config: BankConfig): string {
  return join(config.BANK_DATA_DIR, 'event-bus', 'bus.db');
}

/**
 * The bus a service connects to: the shared embedded log, or the Kafka brokers under a clientId of
 * its own (topics are provisioned outside the bank, so it only connects).
 */
export function serviceEventBus(config: BankConfig, serviceName: string): EventBusConfig {
  return config.bus.engine === 'embedded'
    ? { engine: 'embedded', path: sharedEventBusPath(config) }
    : {
        engine: 'kafka',
        ...config.bus.kafka,
        brokers: [...config.bus.kafka.brokers],
        clientId: `${config.bus.clientIdPrefix}-${serviceName}`,
      };
}

/** Each service's operations port (/health, /metrics, /traces); base 0 lets every one pick. */
function opsSection(config: BankConfig, workerId: number) {
  return {
    OPS_HTTP_HOST: config.BANK_HOST,
    OPS_HTTP_PORT:
      config.BANK_OPS_PORT_BASE === 0
        ? 0
        : config.BANK_OPS_PORT_BASE + 1 + workerId - config.BANK_WORKER_ID_BASE,
    OPS_HEALTH_CHECK_TIMEOUT_MS: 1_000,
  };
}

/**
 * The platform sections (store, ids) come from the libs' own schemas fed a bank-built
 * environment, so their defaults stay the libs'; logging and tracing are the process's.
 */
function platformSections(config: BankConfig, serviceName: string, workerId: number) {
  return {
    ...loadConfigSections(
      {
        store: storeConfigSchema({ sqlitePath: sqliteStorePath(config, serviceName) }),
        ids: idsConfigSchema,
      },
      { ID_WORKER_SOURCE: 'config', ID_WORKER_ID: String(workerId) },
    ),
    observability: config.observability,
  };
}

/**
 * What a service with an ops port shares with the process: the one span recorder (its /traces
 * serves every service's spans) and, for the first such service only, Node process metrics.
 */
function hostingOf(context: BankStartContext, processMetrics: boolean): ProcessHosting {
  return {
    processMetrics,
    ...(context.traceRecorder === undefined ? {} : { traceRecorder: context.traceRecorder }),
  };
}

function address(config: BankConfig, port: number): string {
  return `${config.BANK_HOST}:${port}`;
}

const ledger: BankServiceDefinition = {
  name: 'ledger',
  async start(context) {
    const { config, workerId } = context;
    const { store, observability } = platformSections(config, 'ledger', workerId);
    const running = await bootstrapLedger(
      {
        store,
        observability,
        ops: opsSection(config, workerId),
        ledger: {
          LEDGER_GRPC_HOST: config.BANK_HOST,
          LEDGER_GRPC_PORT: config.BANK_LEDGER_GRPC_PORT,
          LEDGER_WORKER_ID: workerId,
          LEDGER_GROUP_COMMIT_WINDOW_MS: 1,
          LEDGER_GROUP_COMMIT_ITEMS_MAX: 8190,
          LEDGER_COMMIT_QUEUE_ITEMS_MAX: 100_000,
          LEDGER_COMMIT_ATTEMPTS_MAX: 200,
          LEDGER_COMMIT_BACKOFF_MAX_MS: 20,
          LEDGER_COMMIT_LEASE_MS: 2000,
          LEDGER_STORE_BATCH_STATEMENTS_MAX: 5000,
          LEDGER_STORE_GET_MANY_KEYS_MAX: 1000,
          LEDGER_COMMIT_STATUS_CACHE_MAX: 100_000,
          LEDGER_EXPIRY_SWEEP_ENABLED: true,
          LEDGER_EXPIRY_SWEEP_INTERVAL_MS: 1000,
          LEDGER_EXPIRY_SWEEP_ITEMS_MAX: 1000,
          LEDGER_SHUTDOWN_GRACE_MS: config.BANK_SHUTDOWN_GRACE_MS,
        },
      },
      hostingOf(context, true),
    );
    return {
      name: 'ledger',
      endpoints: {
        grpc: address(config, running.grpcPort),
        ops: `http://${address(config, running.opsPort)}`,
      },
      close: () => running.close(),
    };
  },
};

const authorization: BankServiceDefinition = {
  name: 'authorization',
  async start(context) {
    const { config, workerId, grpcAddressOf, customerTokenSecret } = context;
    const sections = platformSections(config, 'authorization', workerId);
    const running = await bootstrapAuthorization(
      {
        ...sections,
        ops: opsSection(config, workerId),
        locks: { engine: 'in-process' },
        bus: serviceEventBus(config, 'authorization'),
        authorization: {
          AUTHORIZATION_GRPC_HOST: config.BANK_HOST,
          AUTHORIZATION_GRPC_PORT: config.BANK_AUTHORIZATION_GRPC_PORT,
          LEDGER_GRPC_ADDRESS: grpcAddressOf('ledger'),
          LEDGER_CALL_TIMEOUT_MS: 2_000,
          AUTH_HOLD_TTL_SECONDS: 864_000,
          AUTH_DEADLINE_RESERVE_MS: 5,
          AUTH_LOCK_WAIT_MS: 2_000,
          AUTH_LOCK_TTL_MS: 10_000,
          AUTH_OUTBOX_SHARDS: 8,
          AUTH_OUTBOX_RELAY_INTERVAL_MS: 50,
          AUTH_OUTBOX_RELAY_SWEEP_INTERVAL_MS: 1_000,
          AUTH_OUTBOX_RELAY_BATCH_MAX: 500,
          AUTH_OUTBOX_RELAY_ROUNDS_MAX: 20,
          AUTH_RECORD_RETENTION_SECONDS: 7_776_000,
          // One authorization in the bank: its own card changes are seen at once anyway.
          // One process, one replica: write-through keeps the card cache exact.
          AUTH_CARD_CACHE_TTL_MS: 1_000,
          AUTH_CACHE_ENTRIES_MAX: 100_000,
          AUTH_LATE_HOLD_RECHECK_DELAY_MS: 10_000,
          AUTH_LATE_HOLD_RECHECK_INTERVAL_MS: 1_000,
          AUTH_SHUTDOWN_GRACE_MS: config.BANK_SHUTDOWN_GRACE_MS,
        },
        customerHttp: {
          host: config.BANK_HOST,
          port: config.BANK_AUTHORIZATION_HTTP_PORT,
          auth: customerAuthSection(customerTokenSecret),
        },
      },
      hostingOf(context, false),
    );
    return {
      name: 'authorization',
      endpoints: {
        grpc: address(config, running.port),
        ...(running.httpPort === undefined
          ? {}
          : { cards: `http://${address(config, running.httpPort)}` }),
        ops: `http://${address(config, running.opsPort)}`,
      },
      close: () => running.close(),
    };
  },
};

const cardGateway: BankServiceDefinition = {
  name: 'card-gateway',
  async start(context) {
    const { config, workerId, grpcAddressOf } = context;
    const running = await bootstrapCardGateway(
      {
        ...config.observability,
        ...opsSection(config, workerId),
        CARD_GATEWAY_HOST: config.BANK_HOST,
        CARD_GATEWAY_PORT: config.BANK_SOAP_PORT,
        CARD_GATEWAY_PATH: config.BANK_SOAP_PATH,
        CARD_GATEWAY_WSDL_PATH: config.BANK_WSDL_PATH,
        CARD_GATEWAY_AUTHORIZATION_ADDRESS: grpcAddressOf('authorization'),
        CARD_GATEWAY_DEADLINE_BUDGET_MS: config.BANK_SOAP_DEADLINE_BUDGET_MS,
        CARD_GATEWAY_REPLY_RESERVE_MS: 5,
        CARD_GATEWAY_BODY_BYTES_MAX: 65_536,
        CARD_GATEWAY_XML_DEPTH_MAX: 8,
        CARD_GATEWAY_XML_ELEMENT_COUNT_MAX: 400,
        CARD_GATEWAY_XML_TEXT_LENGTH_MAX: 1024,
        CARD_GATEWAY_VOID_TIMEOUT_MS: 1000,
        CARD_GATEWAY_VOID_ATTEMPT_COUNT_MAX: 5,
        CARD_GATEWAY_VOID_BACKOFF_INITIAL_MS: 50,
        CARD_GATEWAY_VOID_BACKOFF_MAX_MS: 1000,
        // Loopback only (the gateway refuses `none` elsewhere): the processor is the local CLI.
        CARD_GATEWAY_AUTH_MODE: 'none',
        CARD_GATEWAY_WSS_CREATED_SKEW_SECONDS: 300,
        CARD_GATEWAY_WSS_NONCE_CACHE_SIZE_MAX: 100_000,
        CARD_GATEWAY_SHUTDOWN_GRACE_MS: config.BANK_SHUTDOWN_GRACE_MS,
      },
      hostingOf(context, false),
    );
    const base = `http://${address(config, running.httpPort)}${config.BANK_SOAP_PATH}`;
    return {
      name: 'card-gateway',
      endpoints: {
        soap: base,
        wsdl: `${base}?wsdl`,
        ops: `http://${address(config, running.opsPort)}`,
      },
      close: () => running.close(),
    };
  },
};

const merchantEnrichment: BankServiceDefinition = {
  name: 'merchant-enrichment',
  async start({ config, workerId }) {
    const { store, ids } = platformSections(config, 'merchant-enrichment', workerId);
    const running = await bootstrapMerchantEnrichment({
      store,
      ids,
      bus: serviceEventBus(config, 'merchant-enrichment'),
      enrichment: {
        MERCHANT_LOGO_BASE_URL: config.BANK_MERCHANT_LOGO_BASE_URL,
        MERCHANT_ENRICHMENT_GROUP_ID: 'merchant-enrichment',
        MERCHANT_ENRICHMENT_DEADLINE_MS: 20,
        MERCHANT_ENRICHMENT_ATTEMPTS_MAX: 5,
        MERCHANT_ENRICHMENT_BACKOFF_INITIAL_MS: 50,
        MERCHANT_ENRICHMENT_BACKOFF_MAX_MS: 1_000,
        MERCHANT_ENRICHMENT_DELIVERY_ATTEMPTS_MAX: 5,
      },
    });
    return {
      name: 'merchant-enrichment',
      endpoints: { consumes: 'authorization.transactions.v1' },
      close: () => running.close(),
    };
  },
};

/** Demo tokens live a day: long enough for a session, short enough not to be a credential. */
const DEMO_TOKEN_TTL_SECONDS = 86_400;
const CUSTOMER_TOKEN_ISSUER = 'corebank';

/** The same `auth` section for every customer-facing API: one token works on all of them. */
function customerAuthSection(customerTokenSecret: string): AuthConfig {
  return {
    key: { algorithm: 'HS256', secret: customerTokenSecret },
    issuer: CUSTOMER_TOKEN_ISSUER,
    clockSkewSeconds: 30,
  };
}

const feed: BankServiceDefinition = {
  name: 'feed',
  async start({ config, workerId, grpcAddressOf, customerTokenSecret }) {
    const { store, ids } = platformSections(config, 'feed', workerId);
    const running = await bootstrapFeed({
      store,
      ids,
      bus: serviceEventBus(config, 'feed'),
      feed: {
        FEED_HTTP_HOST: config.BANK_HOST,
        FEED_HTTP_PORT: config.BANK_FEED_PORT,
        FEED_OPS_HTTP_PORT: opsSection(config, workerId).OPS_HTTP_PORT,
        FEED_HEALTH_CHECK_TIMEOUT_MS: 1_000,
        FEED_GROUP_ID: 'feed',
        FEED_DELIVERY_ATTEMPTS_MAX: 5,
        FEED_BACKOFF_INITIAL_MS: 50,
        FEED_BACKOFF_MAX_MS: 1_000,
        FEED_REQUEST_BODY_BYTES_MAX: 65_536,
        FEED_SSE_HEARTBEAT_MS: 15_000,
        FEED_SSE_BUFFER_EVENTS_MAX: 256,
        FEED_SSE_RESUME_ITEMS_MAX: 100,
        FEED_LEDGER_GRPC_ADDRESS: grpcAddressOf('ledger'),
        FEED_LEDGER_CALL_TIMEOUT_MS: 500,
        FEED_SPEND_TIME_ZONE: 'Europe/London',
        FEED_SPEND_DAY_START_HOUR: 4,
        FEED_SPEND_TODAY_ITEMS_MAX: 1_000,
        // One log level for the whole process: the bank's LOG_LEVEL.
        FEED_LOG_LEVEL: config.observability.LOG_LEVEL,
      },
      auth: customerAuthSection(customerTokenSecret),
    });
    const api = `http://${address(config, running.httpPort)}`;
    return {
      name: 'feed',
      endpoints: { api, ops: `http://${address(config, running.opsPort)}` },
      demoAccess: (demo) =>
        Promise.resolve({
          transactions: `${api}/transactions?account_id=${demo.accountId}`,
          feedStream: `${api}/accounts/${demo.accountId}/feed/stream`,
          // The one demo token: notifications verifies it with the same auth section.
          bearerToken: issueToken(
            {
              customerId: 'bank-demo',
              accounts: [
                { id: demo.accountId, description: 'Demo current account', created: demo.openedAt },
              ],
              issuer: CUSTOMER_TOKEN_ISSUER,
              nowMs: Date.now(),
              ttlSeconds: DEMO_TOKEN_TTL_SECONDS,
            },
            { algorithm: 'HS256', secret: customerTokenSecret },
          ),
        }),
      close: () => running.close(),
    };
  },
};

const notifications: BankServiceDefinition = {
  name: 'notifications',
  async start({ config, workerId, customerTokenSecret }) {
    const { store, ids } = platformSections(config, 'notifications', workerId);
    const running = await bootstrapNotifications({
      store,
      ids,
      bus: serviceEventBus(config, 'notifications'),
      locks: { engine: 'in-process' },
      // Off unless APNS_* / FCM_* are set (a laptop has no credentials); webhooks always go out.
      apns: config.apns,
      fcm: config.fcm,
      webPush: undefined,
      notifications: {
        NOTIFICATIONS_HTTP_HOST: config.BANK_HOST,
        NOTIFICATIONS_HTTP_PORT: config.BANK_NOTIFICATIONS_PORT,
        NOTIFICATIONS_GROUP_ID: 'notifications',
        NOTIFICATION_TTL_MS: 60_000,
        NOTIFICATIONS_PUSH_ATTEMPTS_MAX: 5,
        NOTIFICATIONS_WEBHOOK_ATTEMPTS_MAX: 5,
        NOTIFICATIONS_BACKOFF_INITIAL_MS: 200,
        NOTIFICATIONS_BACKOFF_MAX_MS: 5_000,
        NOTIFICATIONS_LOCK_TTL_MS: 10_000,
        NOTIFICATIONS_LOCK_WAIT_TIMEOUT_MS: 30_000,
        NOTIFICATIONS_DELIVERY_ATTEMPTS_MAX: 10,
        NOTIFICATIONS_PROVIDER_TIMEOUT_MS: 5_000,
        // The demo's webhook receivers are local http servers.
        NOTIFICATIONS_WEBHOOK_HTTP_ALLOWED: true,
        NOTIFICATIONS_REQUEST_BODY_BYTES_MAX: 16_384,
      },
      auth: customerAuthSection(customerTokenSecret),
    });
    const api = `http://${address(config, running.httpPort)}`;
    return {
      name: 'notifications',
      endpoints: { api },
      // The feed's bearerToken works here too: both verify with customerAuthSection.
      demoAccess: () => Promise.resolve({ notificationsApi: api }),
      close: () => running.close(),
    };
  },
};

/**
 * The services the bank runs, in dependency order: the ledger first, authorization on it, the
 * card-gateway on authorization, then the bus consumers. Adding a service is one entry here.
 */
export const BANK_SERVICES: readonly BankServiceDefinition[] = [
  ledger,
  authorization,
  cardGateway,
  merchantEnrichment,
  feed,
  notifications,
];
