import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseEnrichedTransactionEvent } from '@corebank/domain-transaction-events';
import { createEventBus, type EventBus, type EventEnvelope } from '@corebank/platform-event-bus';
import { type KafkaMockCluster, startKafkaMock } from '@corebank/testing-engines';

import { loadMerchantEnrichmentConfig } from './config';
import { bootstrap } from './main';
import {
  authorizationEvent,
  OUTPUT_TOPIC,
  rawMerchant,
  SOURCE_TOPIC,
} from './testing/authorization-events';
import { collectEvents, shuffled, waitUntil } from './testing/collect-events';

jest.setTimeout(60_000);

/** The app wired from its environment with KAFKA_BROKERS, on librdkafka's mock cluster. */
describe('merchant-enrichment on the Kafka bus (librdkafka mock cluster)', () => {
  let cluster: KafkaMockCluster;
  let directory: string;

  beforeAll(async () => {
    cluster = await startKafkaMock({ brokers: 1 });
    for (const name of [SOURCE_TOPIC, `${SOURCE_TOPIC}.dead-letter`, OUTPUT_TOPIC]) {
      await cluster.createTopic({ name, partitions: 4, replicationFactor: 1 });
    }
    directory = mkdtempSync(join(tmpdir(), 'merchant-enrichment-kafka-'));
  });

  afterAll(async () => {
    await cluster.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  it('enriches duplicated events once per source id and dead-letters a poison event', async () => {
    const testBus: EventBus = createEventBus({
      engine: 'kafka',
      brokers: [...cluster.brokerAddresses],
      clientId: 'merchant-enrichment-spec',
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 500,
      fetchMaxWaitMs: 200,
    });
    const sources = Array.from({ length: 12 }, (_, index) =>
      authorizationEvent({
        id: String(700 + index),
        accountId: `acc_${index % 3}`,
        txnId: `k${index}`,
        merchant: rawMerchant({ merchantId: `MID-${index % 2}` }),
      }),
    );
    const poison: EventEnvelope = {
      ...authorizationEvent({ id: '799', accountId: 'acc_0', txnId: 'poison' }),
      data: { txnId: 'poison' },
    };
    let running: Awaited<ReturnType<typeof bootstrap>> | undefined;
    try {
      await testBus.publish(SOURCE_TOPIC, [...shuffled([...sources, ...sources], 3), poison]);
      const config = loadMerchantEnrichmentConfig({
        MERCHANT_LOGO_BASE_URL: 'https://cdn.corebank.test/logos',
        KAFKA_BROKERS: cluster.brokerAddresses.join(','),
        STORE_SQLITE_PATH: join(directory, 'merchant-enrichment.db'),
        ID_WORKER_SOURCE: 'config',
        ID_WORKER_ID: '9',
      });
      // Every group joins at once: the mock makes each new group's first join wait 3 s.
      const [output, deadLetters, app] = await Promise.all([
        collectEvents(testBus, OUTPUT_TOPIC, 'spec-output'),
        collectEvents(testBus, `${SOURCE_TOPIC}.dead-letter`, 'spec-dead-letters'),
        bootstrap(config),
      ]);
      running = app;
      try {
        await waitUntil(
          () =>
            sources.every((source) =>
              output.events.some((event) => event.id === `${source.id}:enriched`),
            ) && deadLetters.events.length >= 1,
          40_000,
          () => `${output.events.length} published, ${deadLetters.events.length} dead letters`,
        );
      } finally {
        await output.stop();
        await deadLetters.stop();
      }

      expect(deadLetters.events.map((event) => event.id)).toEqual(['799']);
      const merchantIds = new Map<string, Set<string>>();
      const firstCopy = new Map<string, EventEnvelope>();
      for (const event of output.events) {
        const earlier = firstCopy.get(event.id);
        if (earlier !== undefined) {
          expect(event).toEqual(earlier);
        }
        firstCopy.set(event.id, event);
        const parsed = parseEnrichedTransactionEvent(event.type, event.data);
        if (parsed.kind !== 'parsed') {
          throw new Error(parsed.reason);
        }
        if (parsed.value.data.merchant !== null) {
          const key = parsed.value.data.transaction.merchant.merchantId;
          const ids = merchantIds.get(key) ?? new Set<string>();
          ids.add(parsed.value.data.merchant.id);
          merchantIds.set(key, ids);
        }
      }
      expect([...merchantIds.keys()].sort()).toEqual(['MID-0', 'MID-1']);
      expect([...merchantIds.values()].map((ids) => ids.size)).toEqual([1, 1]);
    } finally {
      await running?.close();
      await testBus.close();
    }
  });
});
