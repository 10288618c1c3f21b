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
import { OutboxRelay } from './outbox-relay';

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
async function processDeclinesWithoutRelay(store: Store): Promise<string[]> {
  const locks = createDistributedLocks({ engine: 'in-process' });
  const sut = new ProcessCardMessageUseCase({
    store: new StoreAuthorizationStore(store),
    ledger: new GrpcLedgerHolds(ledgerClient, { holdTimeoutSeconds: 0 }),
    locks,
    ids: new SnowflakeGenerator({ clock: systemClock, workerLease: new ConfiguredWorkerLease(7) }),
    clock: systemClock,
    settings: { outboxShardCount: SHARDS, lockWaitMs: 1000, lockTtlMs: 5000, deadlineReserveMs: 0 },
    alert: () => undefined,
  });
  const txnIds = ['7000000001', '7000000002', '7000000003'];
  for (const txnId of txnIds) {
    const result = await sut.execute({
      message: cardMessage({ txnId, token: '555000555', payloadHash: `hash-${txnId}` }),
      deadline: NO_DEADLINE,
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    expect(result.responseCode).toBe('14');
  }
  await locks.close();
  return txnIds;
}

async function collect(bus: EventBus, countMin: number): Promise<EventEnvelope[]> {
  const received: EventEnvelope[] = [];
  const subscription = await bus.subscribe({
    topic: TRANSACTIONS_TOPIC,
    groupId: 'outbox-relay-test',
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
