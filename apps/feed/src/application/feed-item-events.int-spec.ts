import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  FEED_ITEM_EVENT_TYPES,
  feedItemEventDataSchema,
  parseEnrichedTransactionEvent,
  parseFeedItemEvent,
} from '@corebank/domain-transaction-events';
import { systemClock } from '@corebank/platform-clock';
import { createEventBus, type EventBus, type EventEnvelope } from '@corebank/platform-event-bus';
import {
  createIdGenerator,
  idsConfigSchema,
  type IdGeneratorRuntime,
} from '@corebank/platform-ids';
import { SqliteStore, type Store } from '@corebank/platform-storage';

import { FEED_MIGRATIONS } from '../adapters/feed-tables';
import { StoreFeedItemStore } from '../adapters/store-feed-item-store';
import { lifecycles, OUTPUT_TOPIC } from '../testing/enriched-events';
import { FeedItemChanges } from './feed-item-changes';
import { itemIdOfTransactionId } from './feed-item-view';
import { PostBasicItemUseCase } from './post-basic-item/post-basic-item.use-case';
import { RecordTransactionUseCase } from './record-transaction/record-transaction.use-case';
import { UpdateMetadataUseCase } from './update-metadata/update-metadata.use-case';

jest.setTimeout(30_000);

const ACCOUNTS = ['acc_schema_1', 'acc_schema_2'];
const DEADLINE_MS = 10_000;

/** Reads every event on feed.items.v1 from the start, until `count` have arrived. */
async function readPublished(bus: EventBus, count: number): Promise<EventEnvelope[]> {
  const received: EventEnvelope[] = [];
  let arrived: () => void = () => undefined;
  const allArrived = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const subscription = await bus.subscribe({
    topic: OUTPUT_TOPIC,
    groupId: 'schema-check',
    handler: (event) => {
      received.push(event);
      if (received.length >= count) {
        arrived();
      }
      return Promise.resolve();
    },
  });
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, DEADLINE_MS).unref());
  await Promise.race([allArrived, timeout]);
  await subscription.stop();
  return received;
}

describe('feed.items.v1 as the feed publishes it', () => {
  let directory: string;
  let store: Store;
  let bus: EventBus;
  let ids: IdGeneratorRuntime;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'feed-item-events-'));
    store = await SqliteStore.open({ path: join(directory, 'feed.db') });
    await store.migrate(FEED_MIGRATIONS);
    bus = createEventBus({ engine: 'embedded', path: join(directory, 'bus.db') });
    ids = await createIdGenerator(
      idsConfigSchema.parse({ ID_WORKER_SOURCE: 'config', ID_WORKER_ID: '43' }),
      { clock: systemClock },
    );
  });

  afterEach(async () => {
    await bus.close();
    await store.close();
    await ids.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('parses every event with the @corebank/domain-transaction-events schema, unchanged by parsing', async () => {
    const items = new StoreFeedItemStore(store);
    const changes = new FeedItemChanges(bus, items);
    const record = new RecordTransactionUseCase(items, changes, ids.generator, systemClock);
    const updateMetadata = new UpdateMetadataUseCase(items, changes, systemClock);
    const postBasicItem = new PostBasicItemUseCase(items, changes, ids.generator, systemClock);

    // Authorized (unenriched, then enriched), settled, reversed and declined transactions.
    const { events } = lifecycles(8, ACCOUNTS, 7_000_000n);
    let recorded = 0;
    let firstItemId: bigint | undefined;
    for (const event of events) {
      const parsed = parseEnrichedTransactionEvent(event.type, event.data);
      if (parsed.kind !== 'parsed') {
        throw new Error(parsed.reason);
      }
      const outcome = await record.execute({
        eventId: event.id,
        type: parsed.value.type,
        occurredAt: event.occurredAt,
        data: parsed.value.data,
        traceparent: event.traceparent,
      });
      if (outcome.kind === 'recorded') {
        recorded += 1;
        firstItemId ??= outcome.itemId;
      }
    }
    if (firstItemId === undefined) {
      throw new Error('no item recorded');
    }
    // A customer's notes change, and a custom item.
    const patched = await updateMetadata.execute({
      itemId: firstItemId,
      accountIds: new Set(ACCOUNTS),
      change: { notes: 'lunch with Sam', tag: 'work' },
    });
    expect(patched.kind).toBe('updated');
    await postBasicItem.execute({
      accountId: 'acc_schema_2',
      item: {
        title: 'Your card is on its way',
        imageUrl: 'https://cdn.corebank.test/card.png',
        body: null,
        backgroundColour: '#FCF1EE',
        titleColour: null,
        bodyColour: null,
        url: null,
      },
    });
    const expectedCount = recorded + 2;

    const published = await readPublished(bus, expectedCount);

    expect(published).toHaveLength(expectedCount);
    const kinds = new Set<string>();
    for (const event of published) {
      const parsed = parseFeedItemEvent(event.type, event.key, event.data);
      expect({ id: event.id, result: parsed.kind }).toEqual({ id: event.id, result: 'parsed' });
      if (parsed.kind !== 'parsed') {
        continue;
      }
      // Nothing published is dropped by the schema: parsing keeps every field.
      expect(feedItemEventDataSchema.safeParse(event.data).success).toBe(true);
      expect(JSON.parse(JSON.stringify(toJson(parsed.value.data)))).toEqual(event.data);
      const data = parsed.value.data;
      kinds.add(data.type === 'transaction' ? data.transaction.status : data.type);
      if (data.type === 'transaction') {
        expect(event.id).toBe(`${itemIdOfTransactionId(data.transaction.id)}:${revisionOf(event)}`);
      }
    }
    expect([...kinds].sort()).toEqual(['authorized', 'basic', 'declined', 'reversed', 'settled']);
    expect(published.map((event) => event.type)).toContain(FEED_ITEM_EVENT_TYPES.updated);
  });
});

function revisionOf(event: EventEnvelope): string {
  return event.id.split(':')[1] ?? '';
}

/** Parsed amounts are bigints; back to the JSON numbers they travel as. */
function toJson(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_key, field: unknown) =>
      typeof field === 'bigint' ? Number(field) : field,
    ),
  ) as unknown;
}
