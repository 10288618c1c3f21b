import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ledgerV1 } from '@corebank/contracts-proto';
import { systemClock } from '@corebank/platform-clock';
import {
  createEventBus,
  type EventBus,
  type EventEnvelope,
  parseEnvelope,
} from '@corebank/platform-event-bus';
import { ConfiguredWorkerLease, SnowflakeGenerator } from '@corebank/platform-ids';
import { createDistributedLocks } from '@corebank/platform-locks';
import { createRpcClient } from '@corebank/platform-rpc';
import { SqliteStore, type Store } from '@corebank/platform-storage';

import { AUTHORIZATION_MIGRATIONS } from '../../adapters/authorization-tables';
import { GrpcLedgerHolds } from '../../adapters/grpc-ledger-holds';
import { StoreAuthorizationStore } from '../../adapters/store-authorization-store';
import { cardMessage } from '../../testing/card-message-builder';
import { TRANSACTIONS_TOPIC } from '../card-events';
import { NO_DEADLINE } from '../process-card-message/process-card-message.command';
import { ProcessCardMessageUseCase } from '../process-card-message/process-card-message.use-case';
import { OutboxRelay, OutboxRelayLoop, OutboxSignal } from './outbox-relay';

jest.setTimeout(30_000);

const SHARDS = 4;

let directory: string;
let ledgerClient: ReturnType<typeof createRpcClient<typeof ledgerV1.LedgerServiceService>>;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'authorization-outbox-'));
  // Messages for unknown cards are declined without touching the ledger, so no ledger runs
  // here: the client points at a closed port and a call to it would fail the test.
  ledgerClient = createRpcClient(ledgerV1.LedgerServiceClient, {
    address: '127.0.0.1:1',
    defaultTimeoutMs: 100,
    breaker: false,
  });
});

afterEach(() => {
  ledgerClient.close();
  rmSync(directory, { recursive: true, force: true });
});

async function openStore(): Promise<Store> {
  const store = await SqliteStore.open({ path: join(directory, 'authorization.db') });
  await store.migrate(AUTHORIZATION_MIGRATIONS);
  return store;
}

/** Declines three messages: each commit writes its event into the outbox only. */
async function processDeclinesWithoutRelay(
  store: Store,
  txnIds: readonly string[] = ['7000000001', '7000000002', '7000000003'],
  signal?: OutboxSignal,
): Promise<string[]> {
  const locks = createDistributedLocks({ engine: 'in-process' });
  const sut = new ProcessCardMessageUseCase({
    store: new StoreAuthorizationStore(store, undefined, {
      ...(signal === undefined
        ? {}
        : { onOutboxWritten: (shards: readonly number[]) => signal.markWritten(shards) }),
    }),
    ledger: new GrpcLedgerHolds(ledgerClient, { holdTimeoutSeconds: 0 }),
    locks,
    ids: new SnowflakeGenerator({ clock: systemClock, workerLease: new ConfiguredWorkerLease(7) }),
    clock: systemClock,
    settings: { outboxShardCount: SHARDS, lockWaitMs: 1000, lockTtlMs: 5000, deadlineReserveMs: 0 },
    alert: () => undefined,
  });
  for (const txnId of txnIds) {
    const result = await sut.execute({
      message: cardMessage({ txnId, token: '555000555', payloadHash: `hash-${txnId}` }),
      deadline: NO_DEADLINE,
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    expect(result.responseCode).toBe('14');
  }
  await locks.close();
  return [...txnIds];
}

async function collect(
  bus: EventBus,
  countMin: number,
  groupId = 'outbox-relay-test',
): Promise<EventEnvelope[]> {
  const received: EventEnvelope[] = [];
  const subscription = await bus.subscribe({
    topic: TRANSACTIONS_TOPIC,
    groupId,
    handler: (event) => {
      received.push(event);
      return Promise.resolve();
    },
  });
  const deadline = Date.now() + 10_000;
  while (received.length < countMin && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // Long enough for a duplicate to arrive if one had been published.
  await new Promise((resolve) => setTimeout(resolve, 200));
  await subscription.stop();
  return received;
}

describe('outbox relay after a crash right after the commit', () => {
  it('publishes every committed event exactly once when the process comes back', async () => {
    const beforeCrash = await openStore();
    const txnIds = await processDeclinesWithoutRelay(beforeCrash);
    // The "crash": the process goes away with the events committed but never published.
    await beforeCrash.close();

    const store = await openStore();
    const bus = createEventBus({ engine: 'embedded', path: join(directory, 'bus.db') });
    const relay = new OutboxRelay(new StoreAuthorizationStore(store), bus, {
      shardCount: SHARDS,
      batchSizeMax: 2,
      roundsMax: 10,
    });
    expect(await relay.drain()).toEqual({ published: 3 });
    expect(await relay.drain()).toEqual({ published: 0 });

    const events = await collect(bus, 3);
    expect(events.map((event) => (event.data as { txnId: string }).txnId)).toEqual(txnIds);
    for (const event of events) {
      expect(parseEnvelope(event).kind).toBe('parsed');
      expect(event.type).toBe('authorization.transaction.declined.v1');
      expect(event.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    }
    await bus.close();
    await store.close();
  });

  it('keeps entries when the bus refuses them, and publishes them on a later round', async () => {
    const store = await openStore();
    await processDeclinesWithoutRelay(store);
    const closedBus = createEventBus({ engine: 'embedded', path: join(directory, 'bus.db') });
    await closedBus.close();
    const failing = new OutboxRelay(new StoreAuthorizationStore(store), closedBus, {
      shardCount: SHARDS,
      batchSizeMax: 10,
      roundsMax: 3,
    });
    await expect(failing.drain()).rejects.toThrow();

    const bus = createEventBus({ engine: 'embedded', path: join(directory, 'bus.db') });
    const relay = new OutboxRelay(new StoreAuthorizationStore(store), bus, {
      shardCount: SHARDS,
      batchSizeMax: 10,
      roundsMax: 3,
    });
    expect(await relay.drain()).toEqual({ published: 3 });
    expect(await collect(bus, 3)).toHaveLength(3);
    await bus.close();
    await store.close();
  });
});

describe('outbox relay loop', () => {
  it('relays a shard this process committed to at once, and other entries on the sweep', async () => {
    const store = await openStore();
    const bus = createEventBus({ engine: 'embedded', path: join(directory, 'bus.db') });
    const signal = new OutboxSignal();
    let nowMs = 0;
    let clockReads = 0;
    const failures: unknown[] = [];
    const loop = new OutboxRelayLoop(
      new OutboxRelay(new StoreAuthorizationStore(store), bus, {
        shardCount: SHARDS,
        batchSizeMax: 10,
        roundsMax: 3,
      }),
      signal,
      { shardCount: SHARDS, intervalMs: 5, sweepIntervalMs: 60_000 },
      (error) => failures.push(error),
      () => {
        clockReads += 1;
        return nowMs;
      },
    );
    const txnIdsOf = (events: readonly EventEnvelope[]) =>
      events.map((event) => (event.data as { txnId: string }).txnId);
    loop.start();
    try {
      // The first tick sweeps every shard (nothing there yet); later ones follow the signal only.
      // A tick reads the clock only when no round runs: two reads = the first sweep is over.
      for (let waited = 0; clockReads < 2 && waited < 200; waited += 1) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(clockReads).toBeGreaterThanOrEqual(2);
      // A commit that did not go through this process's adapter (a crashed replica's leftover).
      const leftover = await processDeclinesWithoutRelay(store, ['7100000001']);
      expect(await collect(bus, 0, 'before-sweep')).toEqual([]);

      nowMs = 60_000;
      expect(txnIdsOf(await collect(bus, 1, 'after-sweep'))).toEqual(leftover);

      const signalled = await processDeclinesWithoutRelay(store, ['7100000002'], signal);
      expect(txnIdsOf(await collect(bus, 2, 'after-signal'))).toEqual([...leftover, ...signalled]);
    } finally {
      await loop.stop();
      await bus.close();
      await store.close();
    }
    expect(failures).toEqual([]);
  });

  it('is woken by a local commit instead of waiting for its interval, and does not spin on a failing bus', async () => {
    const store = await openStore();
    const bus = createEventBus({ engine: 'embedded', path: join(directory, 'bus.db') });
    const signal = new OutboxSignal();
    const failures: unknown[] = [];
    // An hour-long interval: only the commit's wake-up can relay within the test.
    const loop = new OutboxRelayLoop(
      new OutboxRelay(new StoreAuthorizationStore(store), bus, {
        shardCount: SHARDS,
        batchSizeMax: 10,
        roundsMax: 3,
      }),
      signal,
      { shardCount: SHARDS, intervalMs: 3_600_000, sweepIntervalMs: 3_600_000 },
      (error) => failures.push(error),
    );
    loop.start();
    try {
      const signalled = await processDeclinesWithoutRelay(store, ['7200000001'], signal);
      const events = await collect(bus, 1, 'woken');
      expect(events.map((event) => (event.data as { txnId: string }).txnId)).toEqual(signalled);
    } finally {
      await loop.stop();
      await bus.close();
      await store.close();
    }
    expect(failures).toEqual([]);
  });
});
