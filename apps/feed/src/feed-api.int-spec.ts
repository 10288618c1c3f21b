import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { createEventBus, type EventBus } from '@corebank/platform-event-bus';
import { createLogger } from '@corebank/platform-observability';

import { loadFeedConfig } from './config';
import { bootstrap, type RunningFeed } from './main';
import {
  collectEvents,
  enrichedEvent,
  type EventCollector,
  lifecycles,
  OUTPUT_TOPIC,
  shuffled,
  SOURCE_TOPIC,
  waitUntil,
} from './testing/enriched-events';
import { call, feedEnvironment, openStream, TEST_SECRET, tokenFor } from './testing/feed-client';

jest.setTimeout(60_000);

const ALICE_ACCOUNTS = ['acc_alice_1', 'acc_alice_2'];
const BOB_ACCOUNT = 'acc_bob';

describe('the feed over real HTTP, the embedded bus and a SQLite store', () => {
  let directory: string;
  let bus: EventBus;
  let feed: RunningFeed;
  let output: EventCollector;
  let logLines: string[];
  const alice = (): string => tokenFor('cust_alice', ALICE_ACCOUNTS);
  const bob = (): string => tokenFor('cust_bob', [BOB_ACCOUNT]);

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'feed-api-'));
    bus = createEventBus({ engine: 'embedded', path: join(directory, 'bus.db') });
    output = await collectEvents(bus, OUTPUT_TOPIC, 'test-feed-items');
    logLines = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    });
    feed = await bootstrap(loadFeedConfig(feedEnvironment(directory, 11)), {
      eventBus: bus,
      logger: createLogger({ service: 'feed', level: 'info', destination }),
    });
  });

  afterAll(async () => {
    await feed.close();
    await output.stop();
    await bus.close();
    rmSync(directory, { recursive: true, force: true });
  });

  async function transactionsOf(
    token: string,
    accountId: string,
    query = '',
  ): Promise<Record<string, unknown>[]> {
    const response = await call(
      feed.httpPort,
      'GET',
      `/transactions?account_id=${accountId}${query}`,
      token,
    );
    expect(response.status).toBe(200);
    return response.body['transactions'] as Record<string, unknown>[];
  }

  it('keeps exactly one item per transaction, in its final state, when every event arrives twice and out of order', async () => {
    const { events, expected } = lifecycles(16, [...ALICE_ACCOUNTS, BOB_ACCOUNT], 5_000_000n);
    const deliveries = shuffled([...events, ...events], 7);
    for (const event of deliveries) {
      await bus.publish(SOURCE_TOPIC, [event]);
    }
    const allAccounts = [...ALICE_ACCOUNTS, BOB_ACCOUNT];
    const listed = async (): Promise<Record<string, unknown>[]> =>
      (
        await Promise.all(
          allAccounts.map((accountId) =>
            transactionsOf(accountId === BOB_ACCOUNT ? bob() : alice(), accountId),
          ),
        )
      ).flat();
    let last: Record<string, unknown>[] = [];
    await waitUntil(
      async () => {
        last = await listed();
        return (
          last.length === expected.length &&
          expected.every((transaction) =>
            last.some(
              (item) =>
                item['account_id'] === transaction.accountId &&
                item['status'] === transaction.status &&
                item['amount'] === transaction.amount &&
                (item['settled'] !== '') === transaction.settled,
            ),
          )
        );
      },
      30_000,
      () =>
        JSON.stringify(last.map((item) => [item['account_id'], item['status'], item['amount']])),
    );
    expect(new Set(last.map((item) => item['id'])).size).toBe(expected.length);
    for (const item of last) {
      expect(item['merchant']).toMatch(/^merch_/);
      expect(item['currency']).toBe('GBP');
    }
    const declined = last.filter((item) => item['status'] === 'declined');
    expect(declined.length).toBe(4);
    expect(declined.every((item) => item['decline_reason'] === 'INSUFFICIENT_FUNDS')).toBe(true);
    // Every announced change of an item carries a distinct revision id; copies are identical.
    const byId = new Map<string, unknown>();
    for (const event of output.events) {
      const earlier = byId.get(event.id);
      if (earlier !== undefined) {
        expect(event.data).toEqual(earlier);
      }
      byId.set(event.id, event.data);
    }
    expect(output.events.every((event) => event.key !== '')).toBe(true);
  });

  it('pages newest first with limit and a before cursor, and filters with since', async () => {
    const accountId = ALICE_ACCOUNTS[1] ?? '';
    const all = await transactionsOf(alice(), accountId);
    expect(all.length).toBeGreaterThanOrEqual(5);
    const ids = all.map((item) => BigInt(String(item['id']).slice(3)));
    expect([...ids].sort((left, right) => (left > right ? -1 : 1))).toEqual(ids);
    const firstPage = await transactionsOf(alice(), accountId, '&limit=2');
    expect(firstPage.map((item) => item['id'])).toEqual(all.slice(0, 2).map((item) => item['id']));
    const secondPage = await transactionsOf(
      alice(),
      accountId,
      `&limit=2&before=${String(firstPage[1]?.['id'])}`,
    );
    expect(secondPage.map((item) => item['id'])).toEqual(all.slice(2, 4).map((item) => item['id']));
    const newer = await transactionsOf(alice(), accountId, `&since=${String(all[2]?.['id'])}`);
    expect(newer.map((item) => item['id'])).toEqual(all.slice(0, 2).map((item) => item['id']));
    const future = await transactionsOf(alice(), accountId, '&since=2090-01-01T00:00:00Z');
    expect(future).toEqual([]);
    for (const query of [
      '&limit=0',
      '&limit=101',
      '&limit=x',
      '&since=yesterday',
      '&before=tx_abc',
    ]) {
      const response = await call(
        feed.httpPort,
        'GET',
        `/transactions?account_id=${accountId}${query}`,
        alice(),
      );
      expect([query, response.status, response.body['code']]).toEqual([query, 400, 'bad_request']);
    }
    const missing = await call(feed.httpPort, 'GET', '/transactions', alice());
    expect(missing.status).toBe(400);
  });

  it('expands the merchant on request and sets, mirrors and deletes metadata with PATCH', async () => {
    const [first] = await transactionsOf(alice(), ALICE_ACCOUNTS[0] ?? '', '&limit=1');
    const id = String(first?.['id']);
    const plain = await call(feed.httpPort, 'GET', `/transactions/${id}`, alice());
    expect(plain.status).toBe(200);
    expect((plain.body['transaction'] as Record<string, unknown>)['merchant']).toMatch(/^merch_/);
    const expanded = await call(
      feed.httpPort,
      'GET',
      `/transactions/${id}?expand[]=merchant`,
      alice(),
    );
    expect(
      (expanded.body['transaction'] as Record<string, Record<string, unknown>>)['merchant'],
    ).toMatchObject({
      name: 'Pret A Manger',
      group_id: 'grp_pret',
      category: 'eating_out',
    });

    const set = await call(feed.httpPort, 'PATCH', `/transactions/${id}`, alice(), {
      form: { 'metadata[notes]': 'lunch with Bob', 'metadata[split]': 'yes' },
    });
    expect(set.status).toBe(200);
    expect(set.body['transaction']).toMatchObject({
      notes: 'lunch with Bob',
      metadata: { notes: 'lunch with Bob', split: 'yes' },
    });
    const viaJson = await call(feed.httpPort, 'PATCH', `/transactions/${id}`, alice(), {
      json: { notes: 'lunch', metadata: { split: '' } },
    });
    expect(viaJson.status).toBe(200);
    expect(viaJson.body['transaction']).toMatchObject({
      notes: 'lunch',
      metadata: { notes: 'lunch' },
    });
    const reread = await call(feed.httpPort, 'GET', `/transactions/${id}`, alice());
    expect((reread.body['transaction'] as Record<string, unknown>)['metadata']).toEqual({
      notes: 'lunch',
    });

    const badKey = await call(feed.httpPort, 'PATCH', `/transactions/${id}`, alice(), {
      form: { 'metadata[no spaces]': 'x' },
    });
    expect(badKey.status).toBe(400);
    const nothing = await call(feed.httpPort, 'PATCH', `/transactions/${id}`, alice(), {
      form: {},
    });
    expect(nothing.status).toBe(400);
    const badExpand = await call(
      feed.httpPort,
      'GET',
      `/transactions/${id}?expand[]=account`,
      alice(),
    );
    expect(badExpand.status).toBe(400);
  });

  it('refuses a missing, expired, wrongly signed token with 401 and another customer’s objects with 404, and logs refusals without the token', async () => {
    const [bobs] = await transactionsOf(bob(), BOB_ACCOUNT, '&limit=1');
    const bobsTransaction = String(bobs?.['id']);
    const expired = tokenFor('cust_alice', ALICE_ACCOUNTS, {
      nowMs: Date.now() - 3_600_000,
      ttlSeconds: 60,
    });
    const forged = tokenFor('cust_alice', ALICE_ACCOUNTS, { secret: `${TEST_SECRET}-not` });
    for (const [name, token] of [
      ['none', undefined],
      ['expired', expired],
      ['forged', forged],
      ['garbage', 'not-a-jwt'],
    ] as const) {
      const response = await call(feed.httpPort, 'GET', '/accounts', token);
      expect([name, response.status, response.body['error']]).toEqual([name, 401, 'invalid_token']);
      expect(response.headers.get('www-authenticate')).toContain('invalid_token');
    }
    const probes = [
      await call(feed.httpPort, 'GET', `/transactions?account_id=${BOB_ACCOUNT}`, alice()),
      await call(feed.httpPort, 'GET', `/transactions/${bobsTransaction}`, alice()),
      await call(feed.httpPort, 'PATCH', `/transactions/${bobsTransaction}`, alice(), {
        form: { 'metadata[x]': 'y' },
      }),
      await call(feed.httpPort, 'GET', '/transactions/tx_1', alice()),
      await call(feed.httpPort, 'POST', '/feed', alice(), {
        form: {
          account_id: BOB_ACCOUNT,
          type: 'basic',
          'params[title]': 't',
          'params[image_url]': 'https://x.test/i.png',
        },
      }),
    ];
    expect(probes.map((response) => [response.status, response.body['code']])).toEqual(
      probes.map(() => [404, 'not_found']),
    );
    const stream = await call(
      feed.httpPort,
      'GET',
      `/accounts/${BOB_ACCOUNT}/feed/stream`,
      alice(),
    );
    expect(stream.status).toBe(404);
    const wrongVerb = await call(feed.httpPort, 'DELETE', '/transactions/tx_1', alice());
    expect(wrongVerb.status).toBe(405);
    expect(wrongVerb.headers.get('allow')).toBe('GET, PATCH');
    const accounts = await call(feed.httpPort, 'GET', '/accounts', alice());
    expect((accounts.body['accounts'] as { id: string }[]).map((account) => account.id)).toEqual(
      ALICE_ACCOUNTS,
    );

    const refusals = logLines.filter((line) => line.includes('feed request refused'));
    expect(refusals.length).toBeGreaterThanOrEqual(11);
    const everything = logLines.join('');
    for (const token of [expired, forged, alice()]) {
      expect(everything).not.toContain(token.split('.')[2]);
    }
  });

  it('validates POST /feed and stores a valid custom item', async () => {
    const accountId = ALICE_ACCOUNTS[0] ?? '';
    const valid = {
      account_id: accountId,
      type: 'basic',
      'params[title]': 'Your statement is ready',
      'params[image_url]': 'https://cdn.corebank.test/statement.png',
      'params[background_color]': '#FCF1EE',
      'params[title_color]': '#333333',
      url: 'https://corebank.test/statements',
    };
    const invalid: Record<string, string>[] = [
      { ...valid, type: 'image' },
      { ...valid, 'params[title]': '' },
      { ...valid, 'params[image_url]': 'javascript:alert(1)' },
      { ...valid, 'params[background_color]': 'red' },
      { ...valid, 'params[body_color]': '#12345' },
      { ...valid, url: 'ftp://corebank.test/x' },
    ];
    for (const form of invalid) {
      const response = await call(feed.httpPort, 'POST', '/feed', alice(), { form });
      expect([form, response.status]).toEqual([form, 400]);
    }
    const created = await call(feed.httpPort, 'POST', '/feed', alice(), { form: valid });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({});
    await waitUntil(
      () =>
        output.events.some(
          (event) => event.key === accountId && (event.data as { type: string }).type === 'basic',
        ),
      10_000,
      () => 'no basic item on feed.items.v1',
    );
  });

  it('streams new and changed items over SSE with heartbeats, and resumes with what was created or changed while away', async () => {
    const accountId = ALICE_ACCOUNTS[0] ?? '';
    const first = await openStream(feed.httpPort, accountId, alice());
    expect(first.status).toBe(200);
    const newTransaction = (sourceId: bigint, lifecycleId: string) =>
      enrichedEvent({
        sourceId: String(sourceId),
        accountId,
        lifecycleId,
        type: 'authorization.transaction.authorized.v1',
        amountMinor: 4_20n,
        enriched: true,
        occurredAt: new Date().toISOString(),
      });
    await bus.publish(SOURCE_TOPIC, [newTransaction(9_000_000n, 'lc-stream-1')]);
    await waitUntil(
      () => first.events.length >= 1,
      10_000,
      () => 'no SSE event',
    );
    const seen = first.events[0];
    expect(seen?.event).toBe('feed_item');
    expect(seen?.id).toMatch(/^[1-9][0-9]*$/);
    const payload = JSON.parse(seen?.data ?? '{}') as { transaction: Record<string, unknown> };
    expect(payload.transaction['amount']).toBe(-420);
    const seenTransactionId = String(payload.transaction['id']);
    await waitUntil(
      () => first.heartbeats() >= 1,
      5_000,
      () => 'no heartbeat',
    );
    first.close();

    // While the client is away: a new item, and a change to the item it already saw.
    await bus.publish(SOURCE_TOPIC, [newTransaction(9_000_010n, 'lc-stream-2')]);
    const newestId = async (): Promise<string> => {
      const [newest] = await transactionsOf(alice(), accountId, '&limit=1');
      return String(newest?.['id']);
    };
    await waitUntil(
      async () => (await newestId()) !== seenTransactionId,
      10_000,
      () => 'second item not stored',
    );
    const missedTransactionId = await newestId();
    const noted = await call(
      feed.httpPort,
      'PATCH',
      `/transactions/${seenTransactionId}`,
      alice(),
      {
        form: { 'metadata[notes]': 'paid back by Sam' },
      },
    );
    expect(noted.status).toBe(200);

    const resumed = await openStream(feed.httpPort, accountId, alice(), seen?.id);
    await waitUntil(
      () => resumed.events.length >= 2,
      10_000,
      () => `replayed ${resumed.events.length}`,
    );
    const replayed = resumed.events.map(
      (event) =>
        (JSON.parse(event.data) as { transaction: { id: string; notes: string } }).transaction,
    );
    expect(replayed.map((transaction) => transaction.id)).toEqual([
      missedTransactionId,
      seenTransactionId,
    ]);
    expect(replayed[1]?.notes).toBe('paid back by Sam');
    const ids = resumed.events.map((event) => BigInt(event.id ?? '0'));
    expect(ids.every((id, index) => index === 0 || id > (ids[index - 1] ?? 0n))).toBe(true);
    expect(ids[0] ?? 0n).toBeGreaterThan(BigInt(seen?.id ?? '0'));
    resumed.close();
  });

  it('dead-letters an event it cannot parse and keeps consuming the partition', async () => {
    const deadLetters = await collectEvents(
      bus,
      `${SOURCE_TOPIC}.dead-letter`,
      'test-dead-letters',
    );
    try {
      const accountId = ALICE_ACCOUNTS[1] ?? '';
      const poison = {
        ...enrichedEvent({
          sourceId: '9500000',
          accountId,
          lifecycleId: 'lc-poison',
          type: 'authorization.transaction.authorized.v1',
          amountMinor: 1n,
          enriched: true,
          occurredAt: new Date().toISOString(),
        }),
        data: { transaction: { txnId: 'poison', billAmountMinor: 12.5 } },
      };
      const after = enrichedEvent({
        sourceId: '9500010',
        accountId,
        lifecycleId: 'lc-after-poison',
        type: 'authorization.transaction.authorized.v1',
        amountMinor: 7_77n,
        enriched: true,
        occurredAt: new Date().toISOString(),
      });
      await bus.publish(SOURCE_TOPIC, [poison, after]);
      await waitUntil(
        async () =>
          deadLetters.events.length === 1 &&
          (await transactionsOf(alice(), accountId, '&limit=1'))[0]?.['amount'] === -777,
        20_000,
        () => `${deadLetters.events.length} dead letters`,
      );
      expect(deadLetters.events[0]?.id).toBe(poison.id);
    } finally {
      await deadLetters.stop();
    }
  });

  it('serves metrics and readiness on its ops port', async () => {
    const metrics = await fetch(`http://127.0.0.1:${feed.opsPort}/metrics`);
    const text = await metrics.text();
    expect(text).toMatch(
      /feed_http_requests_total\{[^}]*route="listTransactions"[^}]*status="200"/,
    );
    expect(text).toMatch(/feed_events_recorded_total\{[^}]*outcome="stale"/);
    const ready = await fetch(`http://127.0.0.1:${feed.opsPort}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'up',
      checks: { store: { status: 'up' }, bus: { status: 'up' } },
    });
  });

  it('serves its OpenAPI document, and answers unknown paths with 404 and wrong verbs with 405', async () => {
    const document = await call(feed.httpPort, 'GET', '/openapi.json', undefined);
    expect(document.status).toBe(200);
    expect(document.body['openapi']).toBe('3.0.3');
    expect((await call(feed.httpPort, 'GET', '/nothing-here', alice())).status).toBe(404);
    expect((await call(feed.httpPort, 'POST', '/accounts', alice())).status).toBe(405);
  });
});
