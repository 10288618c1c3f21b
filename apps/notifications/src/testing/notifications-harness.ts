import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { issueToken } from '@corebank/platform-auth';
import type { EventBus, EventEnvelope } from '@corebank/platform-event-bus';
import {
  FEED_ITEM_EVENT_TYPES,
  type FeedItemEventDataJson,
  TRANSACTION_TOPICS,
} from '@corebank/domain-transaction-events';

import { ApnsTestServer } from './apns-test-server';
import { FcmTestServer } from './fcm-test-server';
import {
  apnsSigningKeyPair,
  selfSignedCertificate,
  serviceAccountKeyPair,
} from './test-certificates';
import { WebhookReceiver } from './webhook-receiver';

export const FEED_ITEMS_TOPIC = TRANSACTION_TOPICS.feedItems;
const APNS_TOPIC = 'com.corebank.app';
const FCM_PROJECT = 'corebank-test';
const FCM_CLIENT_EMAIL = 'push@corebank-test.iam.gserviceaccount.com';

/** Local APNs, FCM and webhook servers, customer JWT keys and the environment for the app. */
export interface NotificationsHarness {
  readonly directory: string;
  readonly apns: ApnsTestServer;
  readonly fcm: FcmTestServer;
  readonly webhooks: WebhookReceiver;
  readonly environment: Record<string, string>;
  customerToken(customerId: string, accounts: readonly string[], expiresInSeconds?: number): string;
  close(): Promise<void>;
}

export async function startHarness(options: { webhookFailFirstAttempts: number }) {
  const directory = mkdtempSync(join(tmpdir(), 'notifications-'));
  const tls = selfSignedCertificate(directory);
  const apnsKey = apnsSigningKeyPair();
  const serviceAccount = serviceAccountKeyPair();
  const customerKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const apns = await ApnsTestServer.start({
    keyPem: tls.keyPem,
    certPem: tls.certPem,
    signingPublicKeyPem: apnsKey.publicKeyPem,
    keyId: 'KEYID12345',
    teamId: 'TEAMID6789',
    topic: APNS_TOPIC,
  });
  const fcm = await FcmTestServer.start(serviceAccount.publicKeyPem, FCM_PROJECT, FCM_CLIENT_EMAIL);
  const webhooks = await WebhookReceiver.start(options.webhookFailFirstAttempts);
  const apnsKeyPath = join(directory, 'AuthKey_KEYID12345.p8');
  writeFileSync(apnsKeyPath, apnsKey.privateKeyPem);
  const serviceAccountPath = join(directory, 'service-account.json');
  writeFileSync(
    serviceAccountPath,
    JSON.stringify({
      type: 'service_account',
      project_id: FCM_PROJECT,
      client_email: FCM_CLIENT_EMAIL,
      private_key: serviceAccount.privateKeyPem,
      token_uri: fcm.tokenUrl,
    }),
  );
  const environment: Record<string, string> = {
    NOTIFICATIONS_HTTP_HOST: '127.0.0.1',
    NOTIFICATIONS_HTTP_PORT: '0',
    NOTIFICATIONS_WEBHOOK_HTTP_ALLOWED: 'true',
    NOTIFICATIONS_BACKOFF_INITIAL_MS: '10',
    NOTIFICATIONS_BACKOFF_MAX_MS: '100',
    AUTH_JWT_ALGORITHM: 'ES256',
    AUTH_JWT_PUBLIC_KEY_PEM: customerKeys.publicKey
      .export({ type: 'spki', format: 'pem' })
      .toString(),
    APNS_ORIGIN: apns.origin,
    APNS_KEY_PATH: apnsKeyPath,
    APNS_KEY_ID: 'KEYID12345',
    APNS_TEAM_ID: 'TEAMID6789',
    APNS_TOPIC,
    APNS_CA_PATH: tls.certPath,
    FCM_SERVICE_ACCOUNT_PATH: serviceAccountPath,
    FCM_API_ORIGIN: fcm.origin,
    EVENT_BUS_PATH: join(directory, 'event-bus.db'),
    STORE_SQLITE_PATH: join(directory, 'notifications.db'),
    ID_WORKER_SOURCE: 'config',
    ID_WORKER_ID: '7',
  };
  const privateKey: KeyObject = customerKeys.privateKey;
  return {
    directory,
    apns,
    fcm,
    webhooks,
    environment,
    customerToken: (customerId: string, accounts: readonly string[], expiresInSeconds = 600) =>
      // Issued CUSTOMER_TOKEN_TTL_SECONDS before it expires, so a negative expiry is in the past.
      issueToken(
        {
          customerId,
          accounts: accounts.map((id) => ({
            id,
            description: `${customerId}'s account`,
            created: '2026-11-01T00:00:00.000Z',
          })),
          issuer: 'corebank',
          nowMs: Date.now() + (expiresInSeconds - CUSTOMER_TOKEN_TTL_SECONDS) * 1000,
          ttlSeconds: CUSTOMER_TOKEN_TTL_SECONDS,
        },
        {
          algorithm: 'ES256',
          privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        },
      ),
    close: async () => {
      await Promise.all([apns.close(), fcm.close(), webhooks.close()]);
      rmSync(directory, { recursive: true, force: true });
    },
  } satisfies NotificationsHarness;
}

const CUSTOMER_TOKEN_TTL_SECONDS = 600;

/** A feed.item.created.v1 event for transaction `tx_<n>` on `accountId`, as the feed publishes it. */
export function feedItemCreated(
  sequence: number,
  accountId: string,
  occurredAt: Date = new Date(),
): EventEnvelope {
  const transactionId = `tx_${1000 + sequence}`;
  return {
    id: String(900_000 + sequence),
    type: FEED_ITEM_EVENT_TYPES.created,
    version: 1,
    occurredAt: occurredAt.toISOString(),
    key: accountId,
    data: {
      type: 'transaction',
      transaction: {
        id: transactionId,
        account_id: accountId,
        created: occurredAt.toISOString(),
        amount: -(350 + sequence),
        currency: 'GBP',
        local_amount: -(350 + sequence),
        local_currency: 'GBP',
        description: 'PRET A MANGER LONDON GBR',
        merchant: {
          id: 'merch_1',
          group_id: 'grp_pret',
          name: 'Pret A Manger',
          logo: null,
          emoji: '🥪',
          category: 'eating_out',
          created: '2026-11-01T00:00:00.000Z',
          address: null,
        },
        category: 'eating_out',
        notes: '',
        metadata: {},
        is_load: false,
        settled: '',
        status: 'authorized',
        updated: occurredAt.toISOString(),
      },
    } satisfies FeedItemEventDataJson,
  };
}

export async function publishEach(bus: EventBus, events: readonly EventEnvelope[]): Promise<void> {
  for (const event of events) {
    await bus.publish(FEED_ITEMS_TOPIC, [event]);
  }
}

/** Polls `condition` every 20 ms until it holds; fails after `timeoutMs` with `describe()`. */
export async function waitUntil(
  condition: () => boolean,
  timeoutMs: number,
  describe: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A fixed permutation (seeded LCG), so "out of order" is the same on every run. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const result = [...items];
  let state = seed >>> 0;
  for (let index = result.length - 1; index > 0; index -= 1) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    const other = state % (index + 1);
    const swap = result[index];
    result[index] = result[other];
    result[other] = swap;
  }
  return result;
}

export const APNS_TOKEN_A = 'a'.repeat(64);
export const APNS_TOKEN_GONE = 'b'.repeat(64);
export const FCM_TOKEN_A = 'fcm-token-a:APA91b';
export const FCM_TOKEN_GONE = 'fcm-token-gone:APA91b';
