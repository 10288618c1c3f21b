import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  type EnrichedMerchant,
  parseEnrichedTransactionEvent,
} from '@corebank/domain-transaction-events';
import { systemClock } from '@corebank/platform-clock';
import { PlatformError } from '@corebank/platform-errors';
import { createEventBus, type EventBus, type EventEnvelope } from '@corebank/platform-event-bus';
import { createIdGenerator, type IdGeneratorRuntime } from '@corebank/platform-ids';
import { createStore, type Store } from '@corebank/platform-storage';

import { MERCHANT_ENRICHMENT_MIGRATIONS } from '../../adapters/merchant-tables';
import { StoreMerchantStore } from '../../adapters/store-merchant-store';
import { loadMerchantEnrichmentConfig } from '../../config';
import type { MerchantStore, StoredMerchant } from '../../ports/merchant-store.port';
import { authorizationEvent, OUTPUT_TOPIC, rawMerchant } from '../../testing/authorization-events';
import { collectEvents, type EventCollector, waitUntil } from '../../testing/collect-events';
import type { EnrichmentSettings, EnrichTransactionCommand } from './enrich-transaction.command';
import { EnrichTransactionUseCase } from './enrich-transaction.use-case';

jest.setTimeout(30_000);

const settings: EnrichmentSettings = {
  logoBaseUrl: 'https://cdn.corebank.test/logos',
  deadlineMs: 20,
  attemptsMax: 3,
  backoffInitialMs: 5,
  backoffMaxMs: 20,
};

/** A command as the consumer builds it from one authorization event. */
function commandOf(envelope: EventEnvelope): EnrichTransactionCommand {
  const parsed = parseEnrichedTransactionEvent(envelope.type, {
    transaction: envelope.data,
    merchant: null,
    enrichment: { status: 'unenriched', reason: 'failed' },
  });
  if (parsed.kind !== 'parsed') {
    throw new Error(parsed.reason);
  }
  return {
    sourceEventId: envelope.id,
    type: parsed.value.type,
    occurredAt: envelope.occurredAt,
    key: envelope.key,
    ...(envelope.traceparent === undefined ? {} : { traceparent: envelope.traceparent }),
    transaction: parsed.value.data.transaction,
  };
}

function merchantOf(event: EventEnvelope): EnrichedMerchant | null {
  const parsed = parseEnrichedTransactionEvent(event.type, event.data);
  if (parsed.kind !== 'parsed') {
    throw new Error(`published an invalid enriched event: ${parsed.reason}`);
  }
  return parsed.value.data.merchant;
}

/** A real store whose next calls fail or stall first, as a slow or failing engine would. */
class TroubledMerchantStore implements MerchantStore {
  failuresLeft = 0;
  stallNextFindMs = 0;
  beforeCreate: (() => Promise<void>) | undefined;

  constructor(private readonly inner: MerchantStore) {}

  async find(merchantKey: string): Promise<EnrichedMerchant | undefined> {
    if (this.stallNextFindMs > 0) {
      const stallMs = this.stallNextFindMs;
      this.stallNextFindMs = 0;
      await new Promise((resolve) => setTimeout(resolve, stallMs));
    }
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      throw new PlatformError('unavailable.store', 'injected engine outage', { retryable: true });
    }
    return this.inner.find(merchantKey);
  }

  async createOnce(merchantKey: string, candidate: EnrichedMerchant): Promise<StoredMerchant> {
    const before = this.beforeCreate;
    this.beforeCreate = undefined;
    await before?.();
    return this.inner.createOnce(merchantKey, candidate);
  }
}

describe('EnrichTransactionUseCase on the embedded bus and a SQLite store file', () => {
  let directory: string;
  let bus: EventBus;
  let stores: Store[];
  let idRuntimes: IdGeneratorRuntime[];
  let output: EventCollector;

  async function instance(workerId: number): Promise<{
    sut: EnrichTransactionUseCase;
    merchants: TroubledMerchantStore;
  }> {
    const config = loadMerchantEnrichmentConfig({
      MERCHANT_LOGO_BASE_URL: settings.logoBaseUrl,
      STORE_SQLITE_PATH: join(directory, 'merchants.db'),
      EVENT_BUS_PATH: join(directory, 'bus.db'),
      ID_WORKER_SOURCE: 'config',
      ID_WORKER_ID: String(workerId),
    });
    const store = await createStore(config.store);
    await store.migrate(MERCHANT_ENRICHMENT_MIGRATIONS);
    stores.push(store);
    const ids = await createIdGenerator(config.ids);
    idRuntimes.push(ids);
    const merchants = new TroubledMerchantStore(new StoreMerchantStore(store));
    return {
      sut: new EnrichTransactionUseCase(merchants, bus, ids.generator, systemClock, settings),
      merchants,
    };
  }

  function outputIds(): string[] {
    return output.events.map((event) => event.id);
  }

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'merchant-enrichment-use-case-'));
    bus = createEventBus({ engine: 'embedded', path: join(directory, 'bus.db') });
    stores = [];
    idRuntimes = [];
    output = await collectEvents(bus, OUTPUT_TOPIC, 'test-output');
  });

  afterEach(async () => {
    await output.stop();
    await bus.close();
    for (const store of stores) {
      await store.close();
    }
    for (const ids of idRuntimes) {
      await ids.close();
    }
    rmSync(directory, { recursive: true, force: true });
  });

  it('publishes unenriched at the deadline, then the enriched update', async () => {
    const { sut, merchants } = await instance(1);
    merchants.stallNextFindMs = 150;
    const source = authorizationEvent({ id: '101', accountId: 'acc_1', txnId: 't1' });

    const outcome = await sut.execute(commandOf(source));

    expect(outcome).toEqual({ kind: 'enriched_late', reason: 'deadline_exceeded' });
    await waitUntil(
      () => output.events.length >= 2,
      5_000,
      () => outputIds().join(),
    );
    expect(outputIds()).toEqual(['101:unenriched', '101:enriched']);
    const [unenriched, enriched] = output.events;
    expect(unenriched?.data).toMatchObject({
      merchant: null,
      enrichment: { status: 'unenriched', reason: 'deadline_exceeded' },
    });
    expect(merchantOf(enriched)?.name).toBe('Pret A Manger');
    expect(enriched).toMatchObject({
      type: source.type,
      key: 'acc_1',
      occurredAt: source.occurredAt,
      traceparent: source.traceparent,
    });
  });

  it('publishes unenriched when the first try fails, then enriched after a retry', async () => {
    const { sut, merchants } = await instance(1);
    merchants.failuresLeft = 1;

    const outcome = await sut.execute(
      commandOf(authorizationEvent({ id: '102', accountId: 'acc_1', txnId: 't2' })),
    );

    expect(outcome).toEqual({ kind: 'enriched_late', reason: 'failed' });
    await waitUntil(
      () => output.events.length >= 2,
      5_000,
      () => outputIds().join(),
    );
    expect(outputIds()).toEqual(['102:unenriched', '102:enriched']);
  });

  it('still publishes unenriched when every try fails, and throws retryable for redelivery', async () => {
    const { sut, merchants } = await instance(1);
    merchants.failuresLeft = settings.attemptsMax;

    await expect(
      sut.execute(commandOf(authorizationEvent({ id: '103', accountId: 'acc_1', txnId: 't3' }))),
    ).rejects.toMatchObject({ code: 'unavailable.merchant_enrichment', retryable: true });
    await waitUntil(
      () => output.events.length >= 1,
      5_000,
      () => outputIds().join(),
    );
    expect(outputIds()).toEqual(['103:unenriched']);
  });

  it('publishes a message without merchant fields as unenriched no_merchant, once', async () => {
    const { sut } = await instance(1);
    const source = authorizationEvent({
      id: '104',
      accountId: 'acc_1',
      txnId: 't4',
      type: 'authorization.transaction.adjusted.v1',
      merchant: rawMerchant({
        name: '',
        merchantId: '',
        nameLocationRaw: '',
        city: '',
        country: '',
      }),
    });

    expect(await sut.execute(commandOf(source))).toEqual({ kind: 'no_merchant' });
    await waitUntil(
      () => output.events.length >= 1,
      5_000,
      () => outputIds().join(),
    );
    expect(output.events[0]).toMatchObject({
      id: '104:unenriched',
      data: { merchant: null, enrichment: { status: 'unenriched', reason: 'no_merchant' } },
    });
  });

  it('uses the winning merchant when its conditional insert loses the race', async () => {
    const first = await instance(1);
    const second = await instance(2);
    // The first instance has read "no merchant" and is about to insert when the second creates it.
    first.merchants.beforeCreate = async () => {
      await second.sut.execute(
        commandOf(authorizationEvent({ id: '201', accountId: 'acc_2', txnId: 'u1' })),
      );
    };

    const outcome = await first.sut.execute(
      commandOf(authorizationEvent({ id: '202', accountId: 'acc_1', txnId: 'u2' })),
    );

    expect(outcome).toEqual({ kind: 'enriched', merchantCreated: false });
    await waitUntil(
      () => output.events.length >= 2,
      5_000,
      () => outputIds().join(),
    );
    const merchantIds = output.events.map((event) => merchantOf(event)?.id);
    expect(merchantIds[0]).toMatch(/^merch_\d+$/);
    expect(merchantIds[1]).toBe(merchantIds[0]);
  });

  it('creates one merchant per key when two instances race on many events', async () => {
    const first = await instance(1);
    const second = await instance(2);
    const merchantIdsAcquired = ['MID-A', 'MID-B', 'MID-C'];
    const sources = Array.from({ length: 30 }, (_, index) =>
      authorizationEvent({
        id: String(300 + index),
        accountId: `acc_${index % 5}`,
        txnId: `r${index}`,
        merchant:
          index % 4 === 3
            ? rawMerchant({ merchantId: '', name: 'CORNER CAFE', city: 'LEEDS' })
            : rawMerchant({
                merchantId: merchantIdsAcquired[index % 3] ?? '',
                name: `SHOP ${index % 3}`,
              }),
      }),
    );

    await Promise.all(
      sources.map((source, index) =>
        (index % 2 === 0 ? first.sut : second.sut).execute(commandOf(source)),
      ),
    );

    await waitUntil(
      () => new Set(outputIds().filter((id) => id.endsWith(':enriched'))).size === 30,
      10_000,
      () => `${output.events.length} published`,
    );
    const merchantIdsByKey = new Map<string, Set<string>>();
    for (const event of output.events.filter((candidate) => candidate.id.endsWith(':enriched'))) {
      const merchant = merchantOf(event);
      const source = sources.find((candidate) => `${candidate.id}:enriched` === event.id);
      const raw = (source?.data as { merchant: { merchantId: string } }).merchant;
      const key = raw.merchantId === '' ? 'CORNER CAFE' : raw.merchantId;
      const ids = merchantIdsByKey.get(key) ?? new Set<string>();
      ids.add(merchant?.id ?? 'none');
      merchantIdsByKey.set(key, ids);
    }
    expect([...merchantIdsByKey.keys()].sort()).toEqual(['CORNER CAFE', 'MID-A', 'MID-B', 'MID-C']);
    for (const ids of merchantIdsByKey.values()) {
      expect(ids.size).toBe(1);
    }
    const allIds = [...merchantIdsByKey.values()].flatMap((ids) => [...ids]);
    expect(new Set(allIds).size).toBe(4);
  });
});
