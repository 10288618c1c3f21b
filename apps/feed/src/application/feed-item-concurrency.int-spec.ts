import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseEnrichedTransactionEvent } from '@corebank/domain-transaction-events';
import { systemClock } from '@corebank/platform-clock';
import { createEventBus, type EventBus } from '@corebank/platform-event-bus';
import {
  createIdGenerator,
  idsConfigSchema,
  type IdGeneratorRuntime,
} from '@corebank/platform-ids';
import { SqliteStore, type Store } from '@corebank/platform-storage';

import { FEED_MIGRATIONS } from '../adapters/feed-tables';
import { StoreFeedItemStore } from '../adapters/store-feed-item-store';
import { enrichedEvent } from '../testing/enriched-events';
import { FeedItemChanges } from './feed-item-changes';
import {
  type RecordTransactionCommand,
  RecordTransactionUseCase,
} from './record-transaction/record-transaction.use-case';
import { UpdateMetadataUseCase } from './update-metadata/update-metadata.use-case';

jest.setTimeout(30_000);

function command(
  sourceId: number,
  type: RecordTransactionCommand['type'],
): RecordTransactionCommand {
  const envelope = enrichedEvent({
    sourceId: String(sourceId),
    accountId: 'acc_race',
    lifecycleId: 'lc-race',
    type,
    amountMinor: 500n,
    enriched: true,
    occurredAt: '2026-11-22T01:00:00.000Z',
  });
  const parsed = parseEnrichedTransactionEvent(envelope.type, envelope.data);
  if (parsed.kind !== 'parsed') {
    throw new Error(parsed.reason);
  }
  return {
    eventId: envelope.id,
    type,
    occurredAt: envelope.occurredAt,
    data: parsed.value.data,
    traceparent: undefined,
  };
}

describe('feed item writes racing on one item (SQLite store, embedded bus)', () => {
  let directory: string;
  let store: Store;
  let bus: EventBus;
  let ids: IdGeneratorRuntime;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'feed-race-'));
    store = await SqliteStore.open({ path: join(directory, 'feed.db') });
    await store.migrate(FEED_MIGRATIONS);
    bus = createEventBus({ engine: 'embedded', path: join(directory, 'bus.db') });
    ids = await createIdGenerator(
      idsConfigSchema.parse({ ID_WORKER_SOURCE: 'config', ID_WORKER_ID: '41' }),
      {
        clock: systemClock,
      },
    );
  });

  afterEach(async () => {
    await bus.close();
    await store.close();
    await ids.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('loses neither the customer’s metadata nor the settlement when a PATCH and events interleave', async () => {
    const items = new StoreFeedItemStore(store);
    const changes = new FeedItemChanges(bus, items);
    const record = new RecordTransactionUseCase(items, changes, ids.generator, systemClock);
    const updateMetadata = new UpdateMetadataUseCase(items, changes, systemClock);
    const authorized = await record.execute(
      command(100, 'authorization.transaction.authorized.v1'),
    );
    if (authorized.kind !== 'recorded') {
      throw new Error(authorized.kind);
    }
    const accountIds = new Set(['acc_race']);
    // Eight writers at most: each lost compare-and-set means another writer won, so within
    // RECORD_ATTEMPTS_MAX / UPDATE_ATTEMPTS_MAX (8) tries every writer lands.
    const edits = Array.from({ length: 5 }, (_, index) =>
      updateMetadata.execute({
        itemId: authorized.itemId,
        accountIds,
        change: { [`k${index}`]: String(index) },
      }),
    );
    const events = [
      record.execute(command(101, 'authorization.transaction.settled.v1')),
      record.execute(command(100, 'authorization.transaction.authorized.v1')),
      record.execute(command(101, 'authorization.transaction.settled.v1')),
    ];
    const outcomes = await Promise.all([...edits, ...events]);
    expect(outcomes.filter((outcome) => outcome.kind === 'updated')).toHaveLength(5);

    const stored = await items.get(authorized.itemId);
    expect(stored?.kind).toBe('transaction');
    if (stored?.kind !== 'transaction') {
      return;
    }
    expect(stored.transaction.status).toBe('settled');
    expect(Object.keys(stored.annotations.metadata).sort()).toEqual(
      Array.from({ length: 5 }, (_, index) => `k${index}`).sort(),
    );
    // 1 creation + 5 edits + 1 settlement; redeliveries and the stale event wrote nothing.
    expect(stored.revision).toBe(7n);
    expect(await items.listTransactions('acc_race', { limit: 10 })).toHaveLength(1);
  });

  it('refuses a PATCH of an item outside the caller’s accounts', async () => {
    const items = new StoreFeedItemStore(store);
    const changes = new FeedItemChanges(bus, items);
    const record = new RecordTransactionUseCase(items, changes, ids.generator, systemClock);
    const recorded = await record.execute(command(200, 'authorization.transaction.authorized.v1'));
    const itemId = recorded.kind === 'recorded' ? recorded.itemId : 0n;
    const sut = new UpdateMetadataUseCase(items, changes, systemClock);
    expect(
      await sut.execute({ itemId, accountIds: new Set(['acc_other']), change: { notes: 'x' } }),
    ).toEqual({
      kind: 'not_found',
    });
  });
});
