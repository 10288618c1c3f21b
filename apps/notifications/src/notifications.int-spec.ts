import { createEventBus, type EventBus } from '@corebank/platform-event-bus';

import { loadNotificationsConfig } from './config';
import { bootstrap, type RunningNotifications } from './main';
import {
  APNS_TOKEN_A,
  APNS_TOKEN_GONE,
  FCM_TOKEN_A,
  FCM_TOKEN_GONE,
  feedItemCreated,
  type NotificationsHarness,
  publishEach,
  shuffled,
  startHarness,
  waitUntil,
} from './testing/notifications-harness';

jest.setTimeout(60_000);

const CUSTOMER = 'cust_1';
const ACCOUNT = 'acc_1';
const OTHER_ACCOUNT = 'acc_9';

describe('notifications service over the embedded bus, SQLite and local provider servers', () => {
  let harness: NotificationsHarness;
  let bus: EventBus;
  let running: RunningNotifications;
  let baseUrl: string;
  let token: string;

  async function api(
    method: string,
    path: string,
    body?: unknown,
    bearer: string | null = token,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }),
        'content-type': 'application/json',
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  async function registerDevice(body: unknown): Promise<string> {
    const { status, json } = await api('POST', '/devices', body);
    expect(status).toBe(201);
    return (json['device'] as { id: string }).id;
  }

  beforeAll(async () => {
    harness = await startHarness({ webhookFailFirstAttempts: 2 });
    const config = loadNotificationsConfig(harness.environment);
    bus = createEventBus({ engine: 'embedded', path: harness.environment['EVENT_BUS_PATH'] ?? '' });
    running = await bootstrap(config, { eventBus: bus });
    baseUrl = `http://127.0.0.1:${running.httpPort}`;
    token = harness.customerToken(CUSTOMER, [ACCOUNT]);
  });

  afterAll(async () => {
    await running?.close();
    await bus?.close();
    await harness?.close();
  });

  it('delivers each item once per device and once per webhook when every event comes twice, out of order', async () => {
    await registerDevice({ kind: 'apns', token: APNS_TOKEN_A });
    await registerDevice({ kind: 'fcm', token: FCM_TOKEN_A });
    const webhook = await api('POST', '/webhooks', {
      account_id: ACCOUNT,
      url: harness.webhooks.url,
    });
    expect(webhook.status).toBe(201);
    harness.webhooks.secret = (webhook.json['webhook'] as { secret: string }).secret;
    // One 503 and one 429 on the way: the retries must still end in exactly one push.
    harness.apns.script(APNS_TOKEN_A, [
      { status: 503, reason: 'ServiceUnavailable' },
      { status: 429, reason: 'TooManyRequests' },
    ]);
    harness.fcm.script(FCM_TOKEN_A, ['UNAVAILABLE']);

    const items = Array.from({ length: 12 }, (_, index) => feedItemCreated(index, ACCOUNT));
    await publishEach(bus, shuffled([...items, ...items], 5));
    const itemIds = items.map(
      (item) => (item.data as { transaction: { id: string } }).transaction.id,
    );

    await waitUntil(
      () =>
        harness.apns.accepted.length >= 12 &&
        harness.fcm.accepted.length >= 12 &&
        harness.webhooks.accepted.length >= 12,
      30_000,
      () =>
        `apns ${harness.apns.accepted.length}, fcm ${harness.fcm.accepted.length}, webhooks ${harness.webhooks.accepted.length}`,
    );
    // A later item on the same partition proves every duplicate before it was handled.
    await publishEach(bus, [feedItemCreated(99, ACCOUNT)]);
    await waitUntil(
      () => harness.apns.accepted.some((push) => push.collapseId === 'tx_1099'),
      20_000,
      () => 'sentinel push',
    );

    const apnsCollapseIds = harness.apns.accepted
      .map((push) => push.collapseId)
      .filter((id) => id !== 'tx_1099');
    expect([...apnsCollapseIds].sort()).toEqual([...itemIds].sort());
    const fcmCollapseKeys = harness.fcm.accepted
      .map((message) => message.collapseKey)
      .filter((id) => id !== 'tx_1099');
    expect([...fcmCollapseKeys].sort()).toEqual([...itemIds].sort());
    const webhookEvents = harness.webhooks.accepted
      .map((delivery) => delivery.eventId)
      .filter((id) => id !== '900099');
    expect([...webhookEvents].sort()).toEqual(items.map((item) => item.id).sort());
    expect(
      harness.webhooks.accepted.every((delivery) => delivery.type === 'transaction.created'),
    ).toBe(true);
    expect(harness.webhooks.badSignatures).toBe(0);
    // Every webhook event failed twice before it was accepted on the third attempt.
    expect(items.every((item) => harness.webhooks.attemptsByEvent.get(item.id) === 3)).toBe(true);
    // The provider token is cached: one OAuth2 token for all FCM sends.
    expect(harness.fcm.tokensIssued).toBe(1);
    const push = harness.apns.accepted[0];
    expect(push?.payload.aps.alert.title).toBe('🥪 Pret A Manger');
  });

  it('drops a push older than its TTL instead of sending it late', async () => {
    const before = harness.apns.accepted.length;
    await publishEach(bus, [
      feedItemCreated(50, ACCOUNT, new Date(Date.now() - 120_000)),
      feedItemCreated(51, ACCOUNT),
    ]);
    await waitUntil(
      () => harness.apns.accepted.some((push) => push.collapseId === 'tx_1051'),
      20_000,
      () => 'push of the fresh item',
    );
    expect(harness.apns.accepted.slice(before).map((push) => push.collapseId)).toEqual(['tx_1051']);
    expect(harness.fcm.accepted.some((message) => message.collapseKey === 'tx_1050')).toBe(false);
  });

  it('removes a device that APNs answers 410 Unregistered and one FCM answers UNREGISTERED', async () => {
    const apnsGone = await registerDevice({ kind: 'apns', token: APNS_TOKEN_GONE });
    const fcmGone = await registerDevice({ kind: 'fcm', token: FCM_TOKEN_GONE });
    harness.apns.script(APNS_TOKEN_GONE, [{ status: 410, reason: 'Unregistered' }]);
    harness.fcm.script(FCM_TOKEN_GONE, ['UNREGISTERED']);
    await publishEach(bus, [feedItemCreated(60, ACCOUNT)]);
    await waitUntil(
      () =>
        harness.apns.requests.some(
          (request) => request.deviceToken === APNS_TOKEN_GONE && request.status === 410,
        ),
      20_000,
      () => '410 answer',
    );
    await waitUntil(
      () => harness.fcm.accepted.some((message) => message.collapseKey === 'tx_1060'),
      20_000,
      () => 'FCM push of item 60 to the live token',
    );
    // The next item reaches only the live devices.
    await publishEach(bus, [feedItemCreated(61, ACCOUNT)]);
    await waitUntil(
      () =>
        harness.apns.accepted.some((push) => push.collapseId === 'tx_1061') &&
        harness.fcm.accepted.some((message) => message.collapseKey === 'tx_1061'),
      20_000,
      () => 'item 61 pushes',
    );
    expect((await api('DELETE', `/devices/${apnsGone}`)).status).toBe(404);
    expect((await api('DELETE', `/devices/${fcmGone}`)).status).toBe(404);
    expect(
      harness.apns.requests.filter((request) => request.deviceToken === APNS_TOKEN_GONE),
    ).toHaveLength(1);
  });

  it('refuses requests without a valid token or for another customer, with {code, message}', async () => {
    const missing = await api('POST', '/devices', { kind: 'apns', token: APNS_TOKEN_A }, null);
    expect(missing.status).toBe(401);
    expect(missing.json['code']).toBe('unauthenticated.missing_token');
    const expired = await api(
      'GET',
      `/webhooks?account_id=${ACCOUNT}`,
      undefined,
      harness.customerToken(CUSTOMER, [ACCOUNT], -120),
    );
    expect(expired.status).toBe(401);
    expect(expired.json['error']).toBe('invalid_token');
    const tampered = `${token.slice(0, -4)}AAAA`;
    expect((await api('GET', `/webhooks?account_id=${ACCOUNT}`, undefined, tampered)).status).toBe(
      401,
    );

    const otherToken = harness.customerToken('cust_2', [OTHER_ACCOUNT]);
    expect(
      (await api('GET', `/webhooks?account_id=${ACCOUNT}`, undefined, otherToken)).status,
    ).toBe(404);
    const listed = await api('GET', `/webhooks?account_id=${ACCOUNT}`);
    expect(listed.status).toBe(200);
    const webhookId = (listed.json['webhooks'] as { id: string; secret?: string }[])[0]?.id ?? '';
    expect((listed.json['webhooks'] as { secret?: string }[])[0]?.secret).toBeUndefined();
    expect((await api('DELETE', `/webhooks/${webhookId}`, undefined, otherToken)).status).toBe(404);
    expect(
      (
        await api(
          'POST',
          '/webhooks',
          { account_id: ACCOUNT, url: 'https://example.com/h' },
          otherToken,
        )
      ).status,
    ).toBe(404);

    const badBody = await api('POST', '/devices', { kind: 'apns', token: 'not-hex' });
    expect(badBody.status).toBe(400);
    expect(badBody.json['code']).toBe('bad_request.invalid_argument');
    expect((await api('GET', '/webhooks')).status).toBe(400);
    const wrongVerb = await api('PUT', '/devices');
    expect(wrongVerb.status).toBe(405);
    expect((await api('GET', '/nothing-here')).status).toBe(404);

    expect((await api('DELETE', `/webhooks/${webhookId}`)).status).toBe(200);
    expect(
      ((await api('GET', `/webhooks?account_id=${ACCOUNT}`)).json['webhooks'] as unknown[]).length,
    ).toBe(0);
  });
});
