import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseEnrichedTransactionEvent } from '@corebank/domain-transaction-events';
import { createEventBus, type EventBus, type EventEnvelope } from '@corebank/platform-event-bus';
import { createStore } from '@corebank/platform-storage';

import { MERCHANT_ENRICHMENT_MIGRATIONS, MERCHANTS_TABLE } from './adapters/merchant-tables';
import { loadMerchantEnrichmentConfig } from './config';
import { bootstrap } from './main';
import {
  authorizationEvent,
  OUTPUT_TOPIC,
  rawMerchant,
  SOURCE_TOPIC,
} from './testing/authorization-events';
import { collectEvents, type EventCollector, shuffled, waitUntil } from './testing/collect-events';
import type {
  EnrichmentChildArguments,
  EnrichmentChildMessage,
} from './testing/enrichment.child-process';

jest.setTimeout(60_000);

const ACQUIRER_MERCHANT_IDS = ['MID-PRET', 'MID-TESCO', 'MID-TFL'];
const MERCHANT_NAMES = ['PRET A MANGER', 'TESCO STORES 2041', 'TFL.GOV.UK/CP'];

/** `count` authorization events over 4 accounts and 4 merchants (one without an acquirer id). */
function sourceEvents(count: number, firstId: number): EventEnvelope[] {
  return Array.from({ length: count }, (_, index) => {
    const merchantIndex = index % 4;
    return authorizationEvent({
      id: String(firstId + index),
      accountId: `acc_${index % 4}`,
      txnId: `txn-${firstId + index}`,
      billAmountMinor: -BigInt(100 + index),
      merchant:
        merchantIndex === 3
          ? rawMerchant({ merchantId: '', name: 'CORNER CAFE', city: 'LEEDS' })
          : rawMerchant({
              merchantId: ACQUIRER_MERCHANT_IDS[merchantIndex] ?? '',
              name: MERCHANT_NAMES[merchantIndex] ?? '',
            }),
    });
  });
}

function merchantKeyOfSource(source: EventEnvelope): string {
  const raw = (source.data as { merchant: { merchantId: string } }).merchant;
  return raw.merchantId === '' ? 'name:CORNER CAFE|LEEDS|GBR' : `mid:${raw.merchantId}`;
}

interface OutputSummary {
  readonly enrichedSourceIds: Set<string>;
  readonly duplicates: number;
}

/**
 * Checks the at-least-once, idempotent output: every copy of an id is identical, every source
 * event has exactly one enriched id, and all events of one merchant key carry one merchant id,
 * which is the merchant stored under that key.
 */
function checkOutput(
  sources: readonly EventEnvelope[],
  output: readonly EventEnvelope[],
): OutputSummary {
  const firstCopy = new Map<string, EventEnvelope>();
  let duplicates = 0;
  for (const event of output) {
    const earlier = firstCopy.get(event.id);
    if (earlier === undefined) {
      firstCopy.set(event.id, event);
    } else {
      duplicates += 1;
      expect(event).toEqual(earlier);
    }
  }
  const merchantIdsByKey = new Map<string, Set<string>>();
  const enrichedSourceIds = new Set<string>();
  for (const source of sources) {
    const enriched = firstCopy.get(`${source.id}:enriched`);
    expect(enriched).toBeDefined();
    enrichedSourceIds.add(source.id);
    const parsed = parseEnrichedTransactionEvent(enriched?.type ?? '', enriched?.data);
    if (parsed.kind !== 'parsed') {
      throw new Error(parsed.reason);
    }
    expect(enriched).toMatchObject({
      type: source.type,
      key: source.key,
      occurredAt: source.occurredAt,
      traceparent: source.traceparent,
    });
    expect(parsed.value.data.transaction.txnId).toBe((source.data as { txnId: string }).txnId);
    const key = merchantKeyOfSource(source);
    const ids = merchantIdsByKey.get(key) ?? new Set<string>();
    ids.add(parsed.value.data.merchant?.id ?? 'missing');
    merchantIdsByKey.set(key, ids);
  }
  for (const ids of merchantIdsByKey.values()) {
    expect(ids.size).toBe(1);
  }
  return { enrichedSourceIds, duplicates };
}

describe('merchant-enrichment over the embedded bus and a SQLite store', () => {
  let directory: string;
  let environment: Record<string, string>;
  let bus: EventBus;
  let output: EventCollector;
  let deadLetters: EventCollector;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'merchant-enrichment-app-'));
    environment = {
      MERCHANT_LOGO_BASE_URL: 'https://cdn.corebank.test/logos',
      EVENT_BUS_PATH: join(directory, 'bus.db'),
      STORE_SQLITE_PATH: join(directory, 'merchant-enrichment.db'),
      ID_WORKER_SOURCE: 'config',
      ID_WORKER_ID: '7',
      MERCHANT_ENRICHMENT_DELIVERY_ATTEMPTS_MAX: '3',
    };
    bus = createEventBus({ engine: 'embedded', path: join(directory, 'bus.db') });
    output = await collectEvents(bus, OUTPUT_TOPIC, 'test-output');
    deadLetters = await collectEvents(bus, `${SOURCE_TOPIC}.dead-letter`, 'test-dead-letters');
  });

  afterEach(async () => {
    await output.stop();
    await deadLetters.stop();
    await bus.close();
    rmSync(directory, { recursive: true, force: true });
  });

  async function storedMerchantIds(keys: readonly string[]): Promise<Map<string, string>> {
    const store = await createStore(loadMerchantEnrichmentConfig(environment).store);
    try {
      await store.migrate(MERCHANT_ENRICHMENT_MIGRATIONS);
      const rows = await store.getMany(
        MERCHANTS_TABLE,
        keys.map((key) => ({ merchant_key: key })),
      );
      const stored = new Map<string, string>();
      for (const row of rows) {
        const key = row['merchant_key'];
        const merchantId = row['merchant_id'];
        if (typeof key === 'string' && typeof merchantId === 'string') {
          stored.set(key, merchantId);
        }
      }
      return stored;
    } finally {
      await store.close();
    }
  }

  it('enriches every event once per source id when each arrives twice and out of order, and dead-letters the unparseable one', async () => {
    const sources = sourceEvents(24, 1000);
    const poison: EventEnvelope = {
      ...authorizationEvent({ id: '999', accountId: 'acc_1', txnId: 'poison' }),
      data: { txnId: 'poison', billAmountMinor: 12.5 },
    };
    const deliveries = shuffled([...sources, ...sources], 42);
    deliveries.splice(10, 0, poison);
    // Published one by one, so the shuffled order is the order on each partition.
    for (const event of deliveries) {
      await bus.publish(SOURCE_TOPIC, [event]);
    }

    const running = await bootstrap(loadMerchantEnrichmentConfig(environment));
    try {
      await waitUntil(
        () =>
          sources.every((source) =>
            output.events.some((event) => event.id === `${source.id}:enriched`),
          ) && deadLetters.events.length >= 1,
        30_000,
        () => `${output.events.length} published, ${deadLetters.events.length} dead letters`,
      );
    } finally {
      await running.close();
    }

    const summary = checkOutput(sources, output.events);
    const unenriched = output.events.filter((event) => event.id.endsWith(':unenriched')).length;
    process.stdout.write(
      `merchant-enrichment duplicates+out-of-order: ${sources.length} sources x2, ${output.events.length} published, ${summary.duplicates} identical duplicates, ${unenriched} unenriched-first\n`,
    );
    expect(deadLetters.events.map((event) => event.id)).toEqual(['999']);
    const keys = [...new Set(sources.map(merchantKeyOfSource))];
    const stored = await storedMerchantIds(keys);
    expect(stored.size).toBe(4);
    for (const source of sources) {
      const enriched = output.events.find((event) => event.id === `${source.id}:enriched`);
      const parsed = parseEnrichedTransactionEvent(enriched?.type ?? '', enriched?.data);
      expect(parsed.kind === 'parsed' ? parsed.value.data.merchant?.id : undefined).toBe(
        stored.get(merchantKeyOfSource(source)),
      );
    }
  });

  it('loses nothing when its process is killed after publishing and before committing', async () => {
    // A deadline no test machine misses: every delivery then publishes exactly one enriched event,
    // so the event published just before the kill must be published again after the restart.
    const crashEnvironment = { ...environment, MERCHANT_ENRICHMENT_DEADLINE_MS: '5000' };
    const crashRecordPath = join(directory, 'crash-record.json');
    const sources = sourceEvents(40, 5000);
    for (const event of shuffled(sources, 7)) {
      await bus.publish(SOURCE_TOPIC, [event]);
    }

    const crashed = startChild({
      environment: crashEnvironment,
      crashAfterPublishes: 15,
      crashRecordPath,
    });
    const exit = await exitOf(crashed.child);
    expect(exit.signal).toBe('SIGKILL');
    const idsPublishedAtKill = JSON.parse(readFileSync(crashRecordPath, 'utf8')) as string[];
    expect(idsPublishedAtKill).toHaveLength(1);

    const restarted = startChild({ environment: crashEnvironment });
    await restarted.ready;
    // Every event again, in another order, then one marker per account: per-key order means
    // that once the markers are enriched, everything before them on their accounts was handled.
    const markers = sourceEvents(4, 9000);
    try {
      for (const event of [...shuffled(sources, 11), ...markers]) {
        await bus.publish(SOURCE_TOPIC, [event]);
      }
      await waitUntil(
        () =>
          [...sources, ...markers].every((source) =>
            output.events.some((event) => event.id === `${source.id}:enriched`),
          ),
        40_000,
        () => `${output.events.length} published after restart`,
      );
    } finally {
      restarted.child.send('stop');
      await exitOf(restarted.child);
    }

    const summary = checkOutput([...sources, ...markers], output.events);
    const killedId = idsPublishedAtKill[0] ?? '';
    const copiesOfKilled = output.events.filter((event) => event.id === killedId).length;
    process.stdout.write(
      `merchant-enrichment crash: killed right after publishing ${killedId} (15th publish), ${copiesOfKilled} copies of it, ${output.events.length} published in all for ${sources.length} sources x2 + ${markers.length} markers, ${summary.duplicates} identical duplicates\n`,
    );
    // Twice from the first round (before the kill, and redelivered since it was never
    // committed), once from the second round.
    expect(copiesOfKilled).toBeGreaterThanOrEqual(3);
    expect(summary.enrichedSourceIds.size).toBe(44);
    expect(output.events.every((event) => event.id.endsWith(':enriched'))).toBe(true);
    expect((await storedMerchantIds([...new Set(sources.map(merchantKeyOfSource))])).size).toBe(4);
  });
  it('creates one merchant per key when two processes race on the same store file', async () => {
    // Two groups, so both processes handle every event and race on every conditional insert.
    // A deadline no test machine misses keeps every copy of an id identical (no unenriched ones).
    // 20 new acquirer merchant ids, two events each, so most events are a merchant's first.
    const sources = Array.from({ length: 40 }, (_, index) =>
      authorizationEvent({
        id: String(8000 + index),
        accountId: `acc_${index % 8}`,
        txnId: `race-${index}`,
        merchant: rawMerchant({ merchantId: `MID-RACE-${index % 20}`, name: `SHOP ${index % 20}` }),
      }),
    );
    const racers = [
      startChild({
        environment: {
          ...environment,
          MERCHANT_ENRICHMENT_DEADLINE_MS: '5000',
          MERCHANT_ENRICHMENT_GROUP_ID: 'racer-a',
          ID_WORKER_ID: '11',
        },
      }),
      startChild({
        environment: {
          ...environment,
          MERCHANT_ENRICHMENT_DEADLINE_MS: '5000',
          MERCHANT_ENRICHMENT_GROUP_ID: 'racer-b',
          ID_WORKER_ID: '12',
        },
      }),
    ];
    try {
      await Promise.all(racers.map((racer) => racer.ready));
      // Published once both consume, so both see each event at about the same time.
      await bus.publish(SOURCE_TOPIC, sources);
      await waitUntil(
        () => output.events.length >= 2 * sources.length,
        40_000,
        () => `${output.events.length} of ${2 * sources.length} published`,
      );
    } finally {
      for (const racer of racers) {
        racer.child.send('stop');
      }
      await Promise.all(racers.map((racer) => exitOf(racer.child)));
    }

    const summary = checkOutput(sources, output.events);
    expect(summary.duplicates).toBe(sources.length);
    const keys = [...new Set(sources.map(merchantKeyOfSource))];
    expect(keys).toHaveLength(20);
    expect((await storedMerchantIds(keys)).size).toBe(20);
  });
});

interface StartedChild {
  readonly child: ChildProcess;
  /** Resolves when the app is consuming; rejects if it fails or exits first. */
  readonly ready: Promise<void>;
}

const CHILD_START_TIMEOUT_MS = 30_000;

function startChild(argumentsForChild: EnrichmentChildArguments): StartedChild {
  const child = fork(
    join(__dirname, 'testing', 'enrichment.child-process.ts'),
    [JSON.stringify(argumentsForChild)],
    {
      cwd: join(__dirname, '..', '..', '..'),
      execArgv: ['-r', '@swc-node/register'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`enrichment child did not start in ${CHILD_START_TIMEOUT_MS} ms`));
    }, CHILD_START_TIMEOUT_MS);
    child.on('message', (message: EnrichmentChildMessage) => {
      clearTimeout(timer);
      if (message.kind === 'ready') {
        resolve();
      } else {
        reject(new Error(`enrichment child failed: ${message.message}`));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`enrichment child exited (${code ?? signal}) before it was ready`));
    });
  });
  // The crashing child may die before or after reporting ready; exitOf is what tests wait on.
  ready.catch(() => undefined);
  return { child, ready };
}

const CHILD_EXIT_TIMEOUT_MS = 40_000;

function exitOf(
  child: ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`enrichment child did not exit in ${CHILD_EXIT_TIMEOUT_MS} ms`));
    }, CHILD_EXIT_TIMEOUT_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}
