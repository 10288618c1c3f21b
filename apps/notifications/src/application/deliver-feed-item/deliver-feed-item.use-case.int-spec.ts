import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ManualClock } from '@corebank/platform-clock';
import { createDistributedLocks, type DistributedLocks } from '@corebank/platform-locks';
import { createStore, type Store } from '@corebank/platform-storage';

import { NOTIFICATIONS_MIGRATIONS } from '../../adapters/notification-tables';
import { StoreNotificationStore } from '../../adapters/store-notification-store';
import { type FeedItemEvent, parseFeedItemEvent } from '../../domain/feed-item-event';
import type {
  DeliveryOutcome,
  DeliveryProvider,
  DeliveryRequest,
} from '../../ports/delivery-provider.port';
import { feedItemCreated } from '../../testing/notifications-harness';
import type { DeliverySettings } from './deliver-feed-item.command';
import { DeliverFeedItemUseCase } from './deliver-feed-item.use-case';

const START_MS = Date.parse('2026-11-22T01:00:00.000Z');

const SETTINGS: DeliverySettings = {
  pushTtlMs: 60_000,
  pushAttemptsMax: 5,
  webhookAttemptsMax: 5,
  backoffInitialMs: 1_000,
  backoffMaxMs: 8_000,
  lockTtlMs: 5_000,
  lockWaitTimeoutMs: 5_000,
};

/** Answers each request from a script, in order; records what it was asked. */
class ScriptedProvider implements DeliveryProvider {
  readonly requests: DeliveryRequest[] = [];
  constructor(private readonly answers: DeliveryOutcome[]) {}

  deliver(request: DeliveryRequest): Promise<DeliveryOutcome> {
    this.requests.push(request);
    return Promise.resolve(this.answers.shift() ?? { kind: 'accepted' });
  }
}

function eventAt(occurredAtMs: number): FeedItemEvent {
  const parsed = parseFeedItemEvent(feedItemCreated(1, 'acc_1', new Date(occurredAtMs)));
  if (parsed.kind !== 'parsed') {
    throw new Error('fixture does not parse');
  }
  return parsed.event;
}

describe('DeliverFeedItemUseCase retries, backoff and TTL', () => {
  let directory: string;
  let rawStore: Store;
  let store: StoreNotificationStore;
  let locks: DistributedLocks;
  let clock: ManualClock;
  let sleeps: number[];

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'notifications-use-case-'));
    rawStore = await createStore({ engine: 'sqlite', path: join(directory, 'store.db') });
    await rawStore.migrate(NOTIFICATIONS_MIGRATIONS);
    clock = new ManualClock(START_MS);
    store = new StoreNotificationStore(rawStore, () => clock.now());
    locks = createDistributedLocks({ engine: 'in-process' });
    sleeps = [];
  });

  afterEach(async () => {
    await locks.close();
    await rawStore.close();
    rmSync(directory, { recursive: true, force: true });
  });

  function sut(provider: DeliveryProvider, random = 0.5): DeliverFeedItemUseCase {
    return new DeliverFeedItemUseCase(store, locks, provider, clock, SETTINGS, {
      random: () => random,
      sleep: (ms) => {
        sleeps.push(ms);
        clock.advanceMs(ms);
        return Promise.resolve();
      },
    });
  }

  it('gives a failing webhook up after exactly 5 attempts with full-jitter waits, then never again', async () => {
    await store.saveWebhook({
      id: 'webhook_1',
      accountId: 'acc_1',
      url: 'https://hooks.example/1',
      secret: 'whsec_1',
      createdAt: clock.now(),
    });
    const failing = Array.from({ length: 10 }, (): DeliveryOutcome => ({
      kind: 'retryable',
      reason: 'status 500',
    }));
    const provider = new ScriptedProvider(failing);
    const report = await sut(provider, 0.999).execute(eventAt(START_MS));
    expect(report.results).toEqual([
      { channel: 'webhook', targetId: 'webhook_1', result: 'gave_up', reason: 'status 500' },
    ]);
    expect(provider.requests).toHaveLength(5);
    // Ceilings 1 s, 2 s, 4 s, 8 s (capped) times random 0.999.
    expect(sleeps).toEqual([999, 1_998, 3_996, 7_992]);
    await sut(provider).execute(eventAt(START_MS));
    expect(provider.requests).toHaveLength(5);
  });

  it('drops a push whose retries run past its TTL instead of sending it late', async () => {
    await store.saveDevice(
      {
        id: 'device_1',
        customerId: 'cust_1',
        target: { kind: 'apns', token: 'a'.repeat(64) },
        createdAt: clock.now(),
      },
      ['acc_1'],
    );
    const provider = new ScriptedProvider([
      { kind: 'retryable', reason: 'ServiceUnavailable', retryAfterMs: 8_000 },
      { kind: 'retryable', reason: 'ServiceUnavailable', retryAfterMs: 8_000 },
    ]);
    // The event is already 55 s old: one 8 s wait takes it past the 60 s TTL.
    const report = await sut(provider).execute(eventAt(START_MS - 55_000));
    expect(report.results).toEqual([{ channel: 'push', targetId: 'device_1', result: 'expired' }]);
    expect(provider.requests).toHaveLength(1);
    // The wait is cut at the expiry, not slept in full.
    expect(sleeps).toEqual([5_000]);
  });

  it('does not retry a rejected push and does not send it again on redelivery', async () => {
    await store.saveDevice(
      {
        id: 'device_1',
        customerId: 'cust_1',
        target: { kind: 'fcm', token: 'token-1' },
        createdAt: clock.now(),
      },
      ['acc_1'],
    );
    const provider = new ScriptedProvider([{ kind: 'rejected', reason: 'INVALID_ARGUMENT' }]);
    const first = await sut(provider).execute(eventAt(START_MS));
    expect(first.results[0]?.result).toBe('rejected');
    const second = await sut(provider).execute(eventAt(START_MS));
    expect(second.results[0]).toEqual({
      channel: 'push',
      targetId: 'device_1',
      result: 'already_finished',
      reason: 'abandoned',
    });
    expect(provider.requests).toHaveLength(1);
  });
});
