import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Etcd3 } from 'etcd3';

import { TRANSACTION_TOPICS } from '@corebank/domain-transaction-events';
import { issueToken } from '@corebank/platform-auth';
import { DEAD_LETTER_TOPIC_SUFFIX } from '@corebank/platform-event-bus';
import {
  type EtcdServer,
  type KafkaMockCluster,
  freePort,
  startEtcd,
  startKafkaMock,
} from '@corebank/testing-engines';

import {
  type AcceptedApnsPush,
  ApnsTestServer,
} from '../../apps/notifications/src/testing/apns-test-server';
import {
  apnsSigningKeyPair,
  selfSignedCertificate,
} from '../../apps/notifications/src/testing/test-certificates';
import type { BankUnderTest } from '../scenarios/bank-under-test';
import { AppProcess } from './distributed-process';

/** The six apps of distributed mode, each its own OS process. */
export type DistributedApp =
  'ledger' | 'authorization' | 'card-gateway' | 'merchant-enrichment' | 'feed' | 'notifications';

/** Every topic an app publishes or consumes, and the dead-letter topic of each consumed one. */
export const DISTRIBUTED_TOPICS: readonly string[] = [
  TRANSACTION_TOPICS.authorization,
  `${TRANSACTION_TOPICS.authorization}${DEAD_LETTER_TOPIC_SUFFIX}`,
  TRANSACTION_TOPICS.enrichment,
  `${TRANSACTION_TOPICS.enrichment}${DEAD_LETTER_TOPIC_SUFFIX}`,
  TRANSACTION_TOPICS.feedItems,
  `${TRANSACTION_TOPICS.feedItems}${DEAD_LETTER_TOPIC_SUFFIX}`,
];
const TOPIC_PARTITIONS = 4;
/** Three brokers, so a topic is replicated as in production (rf 3). */
const KAFKA_BROKERS = 3;

const CUSTOMER_TOKEN_ISSUER = 'corebank';
const CUSTOMER_TOKEN_TTL_SECONDS = 3_600;
const APNS_KEY_ID = 'DISTKEY001';
const APNS_TEAM_ID = 'DISTTEAM01';
const APNS_TOPIC = 'com.corebank.app';
const PUSH_POLL_MS = 25;
/**
 * The gateway's whole deadline budget. Production runs 80 ms; six Node processes, etcd and the
 * Kafka mock share 2 busy cores here, so the tests get the config's maximum.
 */
const GATEWAY_DEADLINE_BUDGET_MS = '1000';
/** The ids lib's default ID_ETCD_KEY_PREFIX, which the apps here keep. */
const ID_ETCD_KEY_PREFIX = 'corebank/ids';
/** Ledger worker id: the ledger's config takes it by hand (LEDGER_WORKER_ID), not from etcd. */
const LEDGER_WORKER_ID = '1';

/**
 * The bank in distributed mode: ledger, authorization, card-gateway, merchant-enrichment, feed
 * and notifications each as its own process from `apps/<app>/src/main.ts`, joined only by
 * KAFKA_BROKERS (librdkafka's mock cluster, every topic created through it), ETCD_ENDPOINTS (a
 * real etcd: authorization's and notifications' locks, snowflake worker ids) and gRPC/HTTP
 * addresses. There is no Cassandra on this machine, so each app keeps its SQLite store in its
 * own directory (CASSANDRA_CONTACT_POINTS stays unset). Pushes go to a local APNs test server.
 */
export class DistributedBank implements BankUnderTest {
  private stopped = false;

  private constructor(
    readonly directory: string,
    readonly etcd: EtcdServer,
    readonly kafka: KafkaMockCluster,
    readonly apns: ApnsTestServer,
    private readonly customerTokenSecret: string,
    readonly apps: Readonly<Record<DistributedApp, AppProcess>>,
    readonly soapUrl: string,
    readonly cardsGrpcAddress: string,
    readonly ledgerGrpcAddress: string,
    readonly feedUrl: string,
    readonly notificationsUrl: string,
  ) {}

  /** Starts the engines, then the apps in dependency order; on failure stops what it started. */
  static async start(): Promise<DistributedBank> {
    const directory = mkdtempSync(join(tmpdir(), 'corebank-distributed-'));
    const cleanups: (() => Promise<void>)[] = [];
    try {
      const etcd = await startEtcd();
      cleanups.push(() => etcd.stop());
      const kafka = await startKafkaMock({
        brokers: KAFKA_BROKERS,
        topics: DISTRIBUTED_TOPICS.map((name) => ({ name, partitions: TOPIC_PARTITIONS })),
      });
      cleanups.push(() => kafka.stop());
      const tls = selfSignedCertificate(directory);
      const apnsKey = apnsSigningKeyPair();
      const apns = await ApnsTestServer.start({
        keyPem: tls.keyPem,
        certPem: tls.certPem,
        signingPublicKeyPem: apnsKey.publicKeyPem,
        keyId: APNS_KEY_ID,
        teamId: APNS_TEAM_ID,
        topic: APNS_TOPIC,
      });
      cleanups.push(() => apns.close());
      const apnsKeyPath = join(directory, `AuthKey_${APNS_KEY_ID}.p8`);
      writeFileSync(apnsKeyPath, apnsKey.privateKeyPem, { mode: 0o600 });
      const customerTokenSecret = randomBytes(32).toString('hex');

      const engines: Record<string, string> = {
        KAFKA_BROKERS: kafka.bootstrapServers,
        // The mock's group coordinator holds a rebalance for `session - 1 s`: a killed consumer's
        // replacement rejoins in seconds instead of half a minute.
        KAFKA_SESSION_TIMEOUT_MS: '6000',
        KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
        ETCD_ENDPOINTS: etcd.endpoint,
        LOG_LEVEL: 'warn',
      };
      const storeOf = (app: DistributedApp): Record<string, string> => {
        mkdirSync(join(directory, app), { recursive: true });
        return { STORE_SQLITE_PATH: join(directory, app, 'store.db') };
      };
      const idsFromEtcd = { ID_WORKER_SOURCE: 'etcd' };
      const customerAuth = {
        AUTH_JWT_ALGORITHM: 'HS256',
        AUTH_JWT_HS256_SECRET: customerTokenSecret,
        AUTH_JWT_ISSUER: CUSTOMER_TOKEN_ISSUER,
      };

      // Ports are chosen up front so all six apps boot at once (each needs others' addresses) and
      // a restarted app binds the same port, where the others' channels reconnect.
      const [ledgerPort, authorizationPort, gatewayPort, feedPort, notificationsPort] =
        await distinctFreePorts(5);
      const ledgerGrpcAddress = `127.0.0.1:${ledgerPort}`;
      const cardsGrpcAddress = `127.0.0.1:${authorizationPort}`;
      const ledger = new AppProcess(
        'ledger',
        {
          ...engines,
          ...storeOf('ledger'),
          LEDGER_GRPC_HOST: '127.0.0.1',
          LEDGER_GRPC_PORT: String(ledgerPort),
          LEDGER_WORKER_ID,
          LEDGER_SHUTDOWN_GRACE_MS: '1000',
        },
        'ledger listening',
      );

      const authorization = new AppProcess(
        'authorization',
        {
          ...engines,
          ...storeOf('authorization'),
          ...idsFromEtcd,
          LOCKS_ENGINE: 'etcd',
          AUTHORIZATION_GRPC_HOST: '127.0.0.1',
          AUTHORIZATION_GRPC_PORT: String(authorizationPort),
          LEDGER_GRPC_ADDRESS: ledgerGrpcAddress,
          LEDGER_CALL_TIMEOUT_MS: '5000',
          AUTH_OUTBOX_RELAY_INTERVAL_MS: '20',
          AUTH_SHUTDOWN_GRACE_MS: '1000',
        },
        'authorization listening',
      );

      const apps = {
        ledger,
        authorization,
        'card-gateway': new AppProcess(
          'card-gateway',
          {
            ...engines,
            CARD_GATEWAY_HOST: '127.0.0.1',
            CARD_GATEWAY_PORT: String(gatewayPort),
            // Loopback only: the gateway refuses `none` on any other address.
            CARD_GATEWAY_AUTH_MODE: 'none',
            CARD_GATEWAY_AUTHORIZATION_ADDRESS: cardsGrpcAddress,
            CARD_GATEWAY_DEADLINE_BUDGET_MS: GATEWAY_DEADLINE_BUDGET_MS,
            CARD_GATEWAY_SHUTDOWN_GRACE_MS: '1000',
          },
          'card-gateway listening',
        ),
        'merchant-enrichment': new AppProcess(
          'merchant-enrichment',
          {
            ...engines,
            ...storeOf('merchant-enrichment'),
            ...idsFromEtcd,
            MERCHANT_LOGO_BASE_URL: 'https://cdn.corebank.test/logos',
          },
          'merchant-enrichment consuming',
        ),
        feed: new AppProcess(
          'feed',
          {
            ...engines,
            ...storeOf('feed'),
            ...idsFromEtcd,
            ...customerAuth,
            FEED_HTTP_HOST: '127.0.0.1',
            FEED_HTTP_PORT: String(feedPort),
            FEED_LEDGER_GRPC_ADDRESS: ledgerGrpcAddress,
            FEED_LEDGER_CALL_TIMEOUT_MS: '5000',
            FEED_LOG_LEVEL: 'warn',
          },
          'feed listening',
        ),
        notifications: new AppProcess(
          'notifications',
          {
            ...engines,
            ...storeOf('notifications'),
            ...idsFromEtcd,
            ...customerAuth,
            LOCKS_ENGINE: 'etcd',
            NOTIFICATIONS_HTTP_HOST: '127.0.0.1',
            NOTIFICATIONS_HTTP_PORT: String(notificationsPort),
            NOTIFICATIONS_BACKOFF_INITIAL_MS: '20',
            NOTIFICATIONS_BACKOFF_MAX_MS: '500',
            // Pushes of this run stay current for the whole test, restarts included.
            NOTIFICATION_TTL_MS: '600000',
            APNS_ORIGIN: apns.origin,
            APNS_KEY_PATH: apnsKeyPath,
            APNS_KEY_ID,
            APNS_TEAM_ID,
            APNS_TOPIC,
            APNS_CA_PATH: tls.certPath,
          },
          'notifications serving',
        ),
      } satisfies Record<DistributedApp, AppProcess>;
      cleanups.push(() => stopAll(apps));
      // All at once: the boots overlap, and each new consumer group's first join waits 3 s.
      const ready = await Promise.allSettled(Object.values(apps).map((app) => app.start()));
      const failed = ready.flatMap((outcome) =>
        outcome.status === 'rejected' ? [String(outcome.reason)] : [],
      );
      if (failed.length > 0) {
        throw new Error(`apps did not start:\n${failed.join('\n')}`);
      }
      return new DistributedBank(
        directory,
        etcd,
        kafka,
        apns,
        customerTokenSecret,
        apps,
        `http://127.0.0.1:${gatewayPort}/ehi`,
        cardsGrpcAddress,
        ledgerGrpcAddress,
        `http://127.0.0.1:${feedPort}`,
        `http://127.0.0.1:${notificationsPort}`,
      );
    } catch (error) {
      for (const cleanup of cleanups.reverse()) {
        await cleanup();
      }
      rmSync(directory, { recursive: true, force: true });
      throw error;
    }
  }

  /** One line for the test output: which engines carry this run. */
  describeEngines(): string {
    return (
      `distributed bank: 6 app processes; Kafka = librdkafka mock cluster (${KAFKA_BROKERS} brokers, ` +
      `${DISTRIBUTED_TOPICS.length} topics incl. dead-letter) at ${this.kafka.bootstrapServers}; ` +
      `etcd ${this.etcd.endpoint} (locks, worker ids); stores = SQLite per app under ` +
      `${this.directory} (no Cassandra on this machine: CASSANDRA_CONTACT_POINTS unset)`
    );
  }

  /** A bearer token of a customer owning exactly `accountId`, verified by feed and notifications. */
  customerToken(accountId: string): Promise<string> {
    return Promise.resolve(
      issueToken(
        {
          customerId: `customer-${accountId}`,
          accounts: [
            {
              id: accountId,
              description: 'Acceptance test account',
              created: new Date().toISOString(),
            },
          ],
          issuer: CUSTOMER_TOKEN_ISSUER,
          nowMs: Date.now(),
          ttlSeconds: CUSTOMER_TOKEN_TTL_SECONDS,
        },
        { algorithm: 'HS256', secret: this.customerTokenSecret },
      ),
    );
  }

  readonly pushes = {
    waitForPush: async (
      deviceToken: string,
      predicate: (payload: unknown) => boolean,
      timeoutMs: number,
    ): Promise<unknown> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = this.apns.accepted.find(
          (push) => push.deviceToken === deviceToken && predicate(push.payload),
        );
        if (found !== undefined) {
          return found.payload;
        }
        if (Date.now() > deadline) {
          throw new Error(`no push to ${deviceToken} matched within ${timeoutMs} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, PUSH_POLL_MS));
      }
    },
  };

  /**
   * The snowflake worker-id keys held in etcd right now (`corebank/ids/workers/<n>`, the ids
   * lib's default prefix): one per live app that leases its id (ID_WORKER_SOURCE=etcd).
   */
  async leasedWorkerKeys(): Promise<string[]> {
    const client = new Etcd3({ hosts: this.etcd.endpoint });
    try {
      return (await client.getAll().prefix(`${ID_ETCD_KEY_PREFIX}/workers/`).keys()).sort();
    } finally {
      client.close();
    }
  }

  /** Every push the APNs test server accepted so far. */
  acceptedPushes(): readonly AcceptedApnsPush[] {
    return this.apns.accepted;
  }

  /** kill -9 of one app: no drain, no commit, no close. */
  async kill(app: DistributedApp): Promise<void> {
    await this.apps[app].kill();
  }

  /** Starts the app again with its first environment and the ports it bound then. */
  async restart(app: DistributedApp): Promise<void> {
    await this.apps[app].start();
  }

  /** Stops every app (reverse start order), the APNs server, Kafka and etcd; removes the data. */
  async stop(): Promise<void> {
    if (this.stopped) {
      return;
    }
    this.stopped = true;
    await stopAll(this.apps);
    await this.apns.close();
    await this.kafka.stop();
    await this.etcd.stop();
    rmSync(this.directory, { recursive: true, force: true });
  }

  /** Pids of app processes still alive (empty after stop). */
  runningPids(): number[] {
    return Object.values(this.apps)
      .filter((app) => app.running)
      .map((app) => app.pid ?? 0);
  }
}

/** Stop order: the edge first, then the consumers together, then what they call. */
const STOP_WAVES: readonly (readonly DistributedApp[])[] = [
  ['card-gateway'],
  ['notifications', 'feed', 'merchant-enrichment'],
  ['authorization'],
  ['ledger'],
];

async function stopAll(apps: Partial<Record<DistributedApp, AppProcess>>): Promise<void> {
  for (const wave of STOP_WAVES) {
    await Promise.all(
      wave.flatMap((name) => {
        const app = apps[name];
        return app === undefined ? [] : [app.stop()];
      }),
    );
  }
}

/** Free ports asked one at a time (the OS may hand a just-released port out again): distinct. */
async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let attempt = 0; attempt < count * 10 && ports.size < count; attempt += 1) {
    ports.add(await freePort());
  }
  if (ports.size < count) {
    throw new Error(`only ${ports.size} distinct free ports found, wanted ${count}`);
  }
  return [...ports];
}
