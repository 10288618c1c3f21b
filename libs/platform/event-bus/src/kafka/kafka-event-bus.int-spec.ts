import { Kafka, logLevel } from 'kafkajs';

import { PlatformError } from '@corebank/platform-errors';
import {
  KafkaApiKey,
  KafkaErrorCode,
  type KafkaMockCluster,
  startKafkaMock,
} from '@corebank/testing-engines';

import type { EventEnvelope } from '../event-bus.port';
import type { KafkaEventBusConfigInput } from './kafka-config';
import { KafkaEventBus, type KafkaEventBusLogger } from './kafka-event-bus';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

function event(key: string, sequence: number): EventEnvelope<{ sequence: number }> {
  return {
    id: `${key}-${sequence}`,
    type: 'ledger.transfer.posted.v1',
    version: 1,
    occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, sequence % 60)).toISOString(),
    key,
    traceparent: TRACEPARENT,
    data: { sequence },
  };
}

function eventsOverKeys(keyCount: number, perKey: number): EventEnvelope<{ sequence: number }>[] {
  const events: EventEnvelope<{ sequence: number }>[] = [];
  for (let sequence = 0; sequence < perKey; sequence += 1) {
    for (let key = 0; key < keyCount; key += 1) {
      events.push(event(`account-${key}`, sequence));
    }
  }
  return events;
}

/** Collects what the adapter reports so the test output stays readable and can be asserted. */
function collectingLogger(): KafkaEventBusLogger & { readonly entries: string[] } {
  const entries: string[] = [];
  return {
    entries,
    warn: (message) => entries.push(`warn ${message}`),
    error: (message) => entries.push(`error ${message}`),
  };
}

function testConfig(cluster: KafkaMockCluster, clientId: string): KafkaEventBusConfigInput {
  return {
    brokers: [...cluster.brokerAddresses],
    clientId,
    requestTimeoutMs: 3_000,
    connectionTimeoutMs: 1_000,
    requestRetriesMax: 30,
    requestRetryInitialMs: 50,
    requestRetryMaxMs: 1_000,
    // The mock's coordinator waits sessionTimeout - 1 s per rebalance: keep it short here.
    sessionTimeoutMs: 6_000,
    rebalanceTimeoutMs: 6_000,
    heartbeatIntervalMs: 500,
    fetchMaxWaitMs: 200,
    commitIntervalMs: 50,
    batchCompletionTimeoutMs: 30_000,
  };
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) {
      throw new Error(`condition not met within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function sequenceOf(received: EventEnvelope): number {
  return (received.data as { sequence: number }).sequence;
}

/** Per key, each event follows its predecessor or repeats an earlier one (a redelivery). */
function assertOrderedPerKey(received: readonly EventEnvelope[]): void {
  const lastByKey = new Map<string, number>();
  const seen = new Set<string>();
  for (const entry of received) {
    const sequence = sequenceOf(entry);
    const last = lastByKey.get(entry.key) ?? -1;
    if (!seen.has(entry.id)) {
      expect({ key: entry.key, sequence }).toEqual({ key: entry.key, sequence: last + 1 });
      lastByKey.set(entry.key, sequence);
      seen.add(entry.id);
    }
  }
}

describe('KafkaEventBus on the librdkafka mock cluster', () => {
  let cluster: KafkaMockCluster;

  beforeAll(async () => {
    cluster = await startKafkaMock({ brokers: 3 });
  });

  afterAll(async () => {
    await cluster.stop();
  });

  it('publishes keyed events with headers and delivers them in order per key, committing', async () => {
    const topic = 'bus.order.posted.v1';
    await cluster.createTopic({ name: topic, partitions: 4, replicationFactor: 3 });
    const logger = collectingLogger();
    const sut = new KafkaEventBus(testConfig(cluster, 'order-spec'), { logger });
    const raw = new Kafka({ brokers: [...cluster.brokerAddresses], logLevel: logLevel.NOTHING });
    // A plain kafkajs consumer shows the wire form: message key, partition and headers.
    const wireReader = raw.consumer({
      groupId: 'order-spec-wire',
      sessionTimeout: 6_000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 200,
    });
    const events = eventsOverKeys(8, 100);
    const received: EventEnvelope[] = [];
    const wire: Array<{ key: string; partition: number; headers: Record<string, string> }> = [];
    try {
      await sut.publish(topic, events);
      await wireReader.connect();
      await wireReader.subscribe({ topic, fromBeginning: true });
      // Both groups join at once: the mock makes each first join wait 3 s.
      const [subscription] = await Promise.all([
        sut.subscribe({
          topic,
          groupId: 'order-spec',
          // eslint-disable-next-line @typescript-eslint/require-await -- the port wants a promise
          handler: async (delivered) => {
            received.push(delivered);
          },
        }),
        wireReader.run({
          // eslint-disable-next-line @typescript-eslint/require-await -- kafkajs wants a promise
          eachMessage: async ({ message, partition }) => {
            wire.push({
              key: message.key?.toString() ?? '',
              partition,
              headers: Object.fromEntries(
                Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
              ),
            });
          },
        }),
      ]);
      await waitFor(
        () =>
          new Set(received.map((entry) => entry.id)).size === events.length &&
          wire.length >= events.length,
        30_000,
      );
      await subscription.stop();
      await wireReader.disconnect();

      expect(received[0]).toEqual(
        expect.objectContaining({ type: 'ledger.transfer.posted.v1', traceparent: TRACEPARENT }),
      );
      assertOrderedPerKey(received);
      for (const message of wire) {
        expect(message.key).toMatch(/^account-\d$/);
        expect(message.headers).toEqual(
          expect.objectContaining({
            'event-type': 'ledger.transfer.posted.v1',
            traceparent: TRACEPARENT,
          }),
        );
      }
      const partitionsByKey = new Map<string, Set<number>>();
      for (const message of wire) {
        partitionsByKey.set(
          message.key,
          (partitionsByKey.get(message.key) ?? new Set()).add(message.partition),
        );
      }
      expect([...partitionsByKey.values()].map((partitions) => partitions.size)).toEqual(
        Array.from({ length: 8 }, () => 1),
      );

      // The offsets were committed before stop() resolved: the group has nothing left to read.
      const admin = raw.admin();
      await admin.connect();
      const offsets = await admin.fetchOffsets({ groupId: 'order-spec', topics: [topic] });
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.disconnect();
      for (const partition of offsets[0].partitions) {
        const end = ends.find((candidate) => candidate.partition === partition.partition);
        expect(partition.offset).toBe(end?.offset);
      }
    } finally {
      await wireReader.disconnect();
      await sut.close();
    }
  }, 90_000);

  it('keeps every event and per-key order while members join and leave the group', async () => {
    const topic = 'bus.rebalance.posted.v1';
    await cluster.createTopic({ name: topic, partitions: 4, replicationFactor: 3 });
    const logger = collectingLogger();
    const publisher = new KafkaEventBus(testConfig(cluster, 'rebalance-publisher'), { logger });
    // A 3 s session makes each mock rebalance wait 2 s instead of 5 s. Should a loaded machine
    // miss a heartbeat, that only adds a rebalance, which this test tolerates by design.
    const memberConfig = (clientId: string): KafkaEventBusConfigInput => ({
      ...testConfig(cluster, clientId),
      sessionTimeoutMs: 3_000,
      rebalanceTimeoutMs: 3_000,
    });
    const first = new KafkaEventBus(memberConfig('rebalance-first'), { logger });
    const second = new KafkaEventBus(memberConfig('rebalance-second'), { logger });
    const events = eventsOverKeys(8, 300);
    const received: EventEnvelope[] = [];
    const receivedBy = { first: 0, second: 0 };
    const handler = (member: 'first' | 'second') => async (delivered: EventEnvelope) => {
      received.push(delivered);
      receivedBy[member] += 1;
      // A little work per event so that batches are still running when the group rebalances.
      await new Promise((resolve) => setImmediate(resolve));
    };
    try {
      const firstSubscription = await first.subscribe({
        topic,
        groupId: 'rebalance-spec',
        handler: handler('first'),
      });
      // Paced over ~7 s so that both rebalances below happen while events flow.
      const publishing = (async () => {
        for (let start = 0; start < events.length; start += 50) {
          await publisher.publish(topic, events.slice(start, start + 50));
          await new Promise((resolve) => setTimeout(resolve, 150));
        }
      })();
      await waitFor(() => receivedBy.first >= 100, 15_000);
      // The second member joins while events flow (a rebalance), then the first leaves (another).
      const secondSubscription = await second.subscribe({
        topic,
        groupId: 'rebalance-spec',
        handler: handler('second'),
      });
      await firstSubscription.stop();
      await publishing;
      await waitFor(
        () => new Set(received.map((entry) => entry.id)).size === events.length,
        40_000,
      );
      await secondSubscription.stop();
    } finally {
      await publisher.close();
      await first.close();
      await second.close();
    }
    const duplicates = received.length - new Set(received.map((entry) => entry.id)).size;
    process.stdout.write(
      `rebalance: ${events.length} published, ${received.length} delivered ` +
        `(first ${receivedBy.first}, second ${receivedBy.second}), ${duplicates} duplicates\n`,
    );
    expect(receivedBy.first).toBeGreaterThan(0);
    expect(receivedBy.second).toBeGreaterThan(0);
    assertOrderedPerKey(received);
  }, 120_000);

  it('rides out produce requests the brokers refuse, and reports an unreachable cluster', async () => {
    const topic = 'bus.refused.posted.v1';
    await cluster.createTopic({ name: topic, partitions: 1, replicationFactor: 3 });
    const sut = new KafkaEventBus(testConfig(cluster, 'refused-spec'), {
      logger: collectingLogger(),
    });
    const unreachableCluster = await startKafkaMock({ brokers: 1 });
    const unreachable = new KafkaEventBus(
      {
        ...testConfig(unreachableCluster, 'unreachable-spec'),
        connectionTimeoutMs: 300,
        requestTimeoutMs: 500,
        requestRetriesMax: 2,
        requestRetryInitialMs: 50,
        requestRetryMaxMs: 100,
      },
      { logger: collectingLogger() },
    );
    try {
      await sut.publish(topic, [event('account-1', 0)]);
      await cluster.pushRequestErrors(KafkaApiKey.produce, [
        KafkaErrorCode.notEnoughReplicas,
        KafkaErrorCode.notEnoughReplicasAfterAppend,
        KafkaErrorCode.requestTimedOut,
      ]);
      await expect(sut.publish(topic, [event('account-1', 1)])).resolves.toBeUndefined();

      await unreachableCluster.brokerDown(1);
      await expect(unreachable.ping()).rejects.toMatchObject({
        code: 'unavailable.bus',
        retryable: true,
      });
      await expect(unreachable.publish(topic, [event('account-1', 2)])).rejects.toMatchObject({
        code: 'unavailable.bus',
        retryable: true,
      });
    } finally {
      await sut.close();
      await unreachable.close();
      await unreachableCluster.stop();
    }
  });

  it('keeps a poison event while its dead-letter topic refuses writes, and parks it later', async () => {
    const topic = 'bus.parked.posted.v1';
    const deadLetterTopic = `${topic}.dead-letter`;
    await cluster.createTopic({ name: topic, partitions: 1, replicationFactor: 3 });
    await cluster.createTopic({ name: deadLetterTopic, partitions: 1, replicationFactor: 3 });
    const logger = collectingLogger();
    const sut = new KafkaEventBus(
      { ...testConfig(cluster, 'parked-spec'), requestRetriesMax: 1, requestRetryMaxMs: 100 },
      { logger },
    );
    const handled: number[] = [];
    let poisonAttempts = 0;
    try {
      await sut.publish(
        topic,
        [0, 1, 2].map((sequence) => event('account-1', sequence)),
      );
      // Only the dead-letter producer produces from here on: each of its tries is refused
      // (2 requests per try with one client retry, 2 tries per round), for 3 rounds.
      await cluster.pushRequestErrors(
        KafkaApiKey.produce,
        Array.from({ length: 12 }, () => KafkaErrorCode.notEnoughReplicas),
      );
      const subscription = await sut.subscribe({
        topic,
        groupId: 'parked-spec',
        retry: { attemptsMax: 2, backoffInitialMs: 10, backoffMaxMs: 200 },
        handler: (delivered) => {
          if (sequenceOf(delivered) === 1) {
            poisonAttempts += 1;
            return Promise.reject(new Error('cannot apply this event'));
          }
          handled.push(sequenceOf(delivered));
          return Promise.resolve();
        },
      });
      await waitFor(() => handled.includes(2), 30_000);
      await subscription.stop();
    } finally {
      await sut.close();
    }
    // Each failed round started over from the committed offset instead of committing past the
    // poison event; event 0 may come again, event 2 only after event 1 was parked.
    expect(logger.entries.some((entry) => entry.includes('delivery stopped'))).toBe(true);
    expect(poisonAttempts).toBeGreaterThan(2);
    expect(handled.filter((sequence) => sequence !== 0)).toEqual([2]);
    const admin = new Kafka({
      brokers: [...cluster.brokerAddresses],
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    const deadLetterEnds = await admin.fetchTopicOffsets(deadLetterTopic);
    await admin.disconnect();
    expect(deadLetterEnds.map((partition) => partition.offset)).toEqual(['1']);
  });

  it('gives a batch up after batchCompletionTimeoutMs and fetches it again from the committed offset', async () => {
    const topic = 'bus.slow.posted.v1';
    await cluster.createTopic({ name: topic, partitions: 1, replicationFactor: 3 });
    const logger = collectingLogger();
    const sut = new KafkaEventBus(
      { ...testConfig(cluster, 'slow-spec'), batchCompletionTimeoutMs: 1_000 },
      { logger },
    );
    const handled: number[] = [];
    const attempts: number[] = [];
    try {
      await sut.publish(
        topic,
        [0, 1, 2].map((sequence) => event('account-1', sequence)),
      );
      const subscription = await sut.subscribe({
        topic,
        groupId: 'slow-spec',
        handler: async (delivered, context) => {
          if (sequenceOf(delivered) === 0 && handled.length === 0) {
            // Slower than the batch may take: the batch is given up while this still runs.
            await new Promise((resolve) => setTimeout(resolve, 1_500));
          }
          handled.push(sequenceOf(delivered));
          attempts.push(context.attempt);
        },
      });
      await waitFor(() => handled.includes(2), 20_000);
      await subscription.stop();
    } finally {
      await sut.close();
    }
    expect(logger.entries.some((entry) => entry.includes('batch did not finish in time'))).toBe(
      true,
    );
    // The slow handler finished before anything was fetched again, and nothing was skipped.
    expect(handled.slice(0, 1)).toEqual([0]);
    expect([...new Set(handled)]).toEqual([0, 1, 2]);
    // A slow handler is not a failed one: every delivery was a first attempt.
    expect(new Set(attempts)).toEqual(new Set([1]));
  });

  it('refuses invalid events before sending and any call after close', async () => {
    const sut = new KafkaEventBus(testConfig(cluster, 'refusal-spec'), {
      logger: collectingLogger(),
    });
    await sut.ping();
    await expect(
      sut.publish('bus.refusal.posted.v1', [{ ...event('account-1', 0), type: 'Not A Type' }]),
    ).rejects.toMatchObject({ code: 'invalid.event_envelope', retryable: false });
    await sut.close();
    await expect(sut.publish('bus.refusal.posted.v1', [event('account-1', 0)])).rejects.toThrow(
      PlatformError,
    );
  });

  it('refuses an invalid configuration', () => {
    let thrown: unknown;
    try {
      new KafkaEventBus({ brokers: [], clientId: 'x' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'invalid.bus_config', retryable: false });
  });
});
