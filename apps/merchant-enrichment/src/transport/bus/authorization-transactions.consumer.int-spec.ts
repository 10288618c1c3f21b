import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { systemClock } from '@corebank/platform-clock';
import {
  createEventBus,
  type DeliveryContext,
  type EventBus,
  type EventEnvelope,
} from '@corebank/platform-event-bus';
import { createIdGenerator, type IdGeneratorRuntime } from '@corebank/platform-ids';
import { SqliteStore } from '@corebank/platform-storage';

import { MERCHANT_ENRICHMENT_MIGRATIONS } from '../../adapters/merchant-tables';
import { StoreMerchantStore } from '../../adapters/store-merchant-store';
import { EnrichTransactionUseCase } from '../../application/enrich-transaction/enrich-transaction.use-case';
import type { MerchantStore } from '../../ports/merchant-store.port';
import { authorizationEvent, OUTPUT_TOPIC, SOURCE_TOPIC } from '../../testing/authorization-events';
import { collectEvents, waitUntil } from '../../testing/collect-events';
import { authorizationTransactionsHandler } from './authorization-transactions.consumer';

const context: DeliveryContext = { topic: SOURCE_TOPIC, partition: 0, offset: '0', attempt: 1 };

describe('authorizationTransactionsHandler', () => {
  let directory: string;
  let bus: EventBus;
  let store: SqliteStore;
  let ids: IdGeneratorRuntime;
  let lines: { level: string; message: string; fields: Readonly<Record<string, unknown>> }[];

  function handlerWith(merchants: MerchantStore) {
    const useCase = new EnrichTransactionUseCase(merchants, bus, ids.generator, systemClock, {
      logoBaseUrl: 'https://cdn.corebank.test/logos',
      deadlineMs: 20,
      attemptsMax: 2,
      backoffInitialMs: 1,
      backoffMaxMs: 5,
    });
    return authorizationTransactionsHandler(useCase, {
      info: (fields, message) => lines.push({ level: 'info', message, fields }),
      warn: (fields, message) => lines.push({ level: 'warn', message, fields }),
    });
  }

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'merchant-enrichment-consumer-'));
    bus = createEventBus({ engine: 'embedded', path: join(directory, 'bus.db') });
    store = await SqliteStore.open({ path: ':memory:' });
    await store.migrate(MERCHANT_ENRICHMENT_MIGRATIONS);
    ids = await createIdGenerator({
      workerSource: 'config',
      workerId: 5,
      clockBackwardToleranceMs: 50,
    });
    lines = [];
  });

  afterEach(async () => {
    await bus.close();
    await store.close();
    await ids.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it.each([
    ['an unknown type', { type: 'authorization.transaction.refunded.v1' }],
    ['a payload with a number amount', { data: { txnId: 'x', billAmountMinor: 12.5 } }],
    ['a payload that is not an object', { data: 'hello' }],
  ])('refuses %s as not retryable, so the bus dead-letters it', async (_label, override) => {
    const sut = handlerWith(new StoreMerchantStore(store));
    const event: EventEnvelope = {
      ...authorizationEvent({ id: '1', accountId: 'acc_1', txnId: 't1' }),
      ...override,
    };

    await expect(sut(event, context)).rejects.toMatchObject({
      code: 'invalid.authorization_transaction_event',
      retryable: false,
    });
  });

  it('warns when a transaction went out before its merchant', async () => {
    const real = new StoreMerchantStore(store);
    const slow: MerchantStore = {
      find: async (key) => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        return real.find(key);
      },
      createOnce: (key, candidate) => real.createOnce(key, candidate),
    };
    const output = await collectEvents(bus, OUTPUT_TOPIC, 'test-output');
    try {
      await handlerWith(slow)(
        authorizationEvent({ id: '2', accountId: 'acc_1', txnId: 't2' }),
        context,
      );
      await waitUntil(
        () => output.events.length >= 2,
        5_000,
        () => `${output.events.length}`,
      );
    } finally {
      await output.stop();
    }

    expect(lines).toEqual([
      {
        level: 'warn',
        message: 'transaction published unenriched before its merchant',
        fields: { reason: 'deadline_exceeded', eventId: '2' },
      },
    ]);
  });

  it('writes one info line per enriched transaction', async () => {
    await handlerWith(new StoreMerchantStore(store))(
      authorizationEvent({ id: '3', accountId: 'acc_1', txnId: 't3' }),
      context,
    );

    expect(lines).toEqual([
      {
        level: 'info',
        message: 'transaction enriched',
        fields: { eventId: '3', merchantCreated: true },
      },
    ]);
  });
});
