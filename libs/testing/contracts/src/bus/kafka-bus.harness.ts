/**
 * The Kafka side of the bus contract: a librdkafka mock cluster (3 brokers; topics with 4
 * partitions and rf 3) behind `createEventBus`, and Kafka-only fault scenarios.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';

import {
  createEventBus,
  type CreateEventBusOptions,
  type EventBusConfig,
  type EventEnvelope,
} from '@corebank/platform-event-bus';
import { type KafkaMockCluster, startKafkaMock } from '@corebank/testing-engines';

import { BusConsumerProcess } from './bus-consumer-process';
import type { EventBusContractScenario, EventBusUnderTest } from './bus.contract';
import { checkDelivery, parseHandledLines } from './handled-log';

const BROKER_COUNT = 3;
const PARTITION_COUNT = 4;
const REPLICATION_FACTOR = 3;

type KafkaBusConfig = Extract<EventBusConfig, { readonly engine: 'kafka' }>;
type BusLogger = NonNullable<CreateEventBusOptions['logger']>;

/**
 * Settings for the librdkafka mock: its group coordinator waits 3 s before the first join and
 * `sessionTimeoutMs - 1 s` for later rebalances, so the session is short; the request retries
 * ride out a broker that is down for a few seconds (TOOLCHAIN.md, measured).
 */
function testConfig(cluster: KafkaMockCluster, clientId: string): KafkaBusConfig {
  return {
    engine: 'kafka',
    brokers: [...cluster.brokerAddresses],
    clientId,
    requestTimeoutMs: 3_000,
    connectionTimeoutMs: 1_000,
    requestRetriesMax: 30,
    requestRetryInitialMs: 50,
    requestRetryMaxMs: 1_000,
    sessionTimeoutMs: 6_000,
    rebalanceTimeoutMs: 6_000,
    heartbeatIntervalMs: 500,
    fetchMaxWaitMs: 200,
    commitIntervalMs: 50,
    batchCompletionTimeoutMs: 30_000,
  };
}

/** Keeps the adapter's reports (rebalances, retried commits) out of the test output. */
function quietLogger(): BusLogger & { readonly entries: string[] } {
  const entries: string[] = [];
  return {
    entries,
    warn: (message) => entries.push(message),
    error: (message) => entries.push(message),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Kafka-only: broker 2 of 3 (rf 3) is down for 3.5 s while events are published and consumed.
 * The mock never moves partition leaders, so the outage is scheduled by time, not by progress
 * (waiting for progress would wait for the broker that is down).
 */
export const brokerOutageScenario: EventBusContractScenario = {
  name: 'loses nothing when a broker is down for 3.5 s mid-run and comes back (Kafka only)',
  timeoutMs: 90_000,
  run: async (target, helpers) => {
    const brokerDown = target.faults?.['broker-2-down'];
    const brokerUp = target.faults?.['broker-2-up'];
    if (brokerDown === undefined || brokerUp === undefined) {
      throw new Error('the Kafka factory provides the broker faults');
    }
    const topic = await helpers.topic('outage');
    const keys = Array.from({ length: 8 }, (_unused, index) => `outage-key-${index}`);
    const perKey = new Map(keys.map((key) => [key, 250]));
    const events: EventEnvelope[] = [];
    for (let sequence = 0; sequence < 250; sequence += 1) {
      for (const key of keys) {
        events.push(helpers.event(key, sequence));
      }
    }
    const handled: Array<{ key: string; sequence: number }> = [];
    const subscription = await target.bus.subscribe({
      topic,
      groupId: `outage-${topic}`,
      handler: (event) => {
        handled.push({ key: event.key, sequence: (event.data as { sequence: number }).sequence });
        return Promise.resolve();
      },
    });
    const window = { downAt: 0, upAt: 0 };
    const outage = (async () => {
      await sleep(500);
      await brokerDown();
      window.downAt = Date.now();
      await sleep(3_500);
      await brokerUp();
      window.upAt = Date.now();
    })();
    const publishedAt: number[] = [];
    try {
      // 40 batches paced over at least 6 s, so the outage (0.5 s to 4 s) falls in the middle
      // of publishing even when the batches waiting for broker 2 complete at once afterwards.
      for (let start = 0; start < events.length; start += 50) {
        await target.bus.publish(topic, events.slice(start, start + 50));
        publishedAt.push(Date.now());
        await sleep(150);
      }
      await outage;
      await helpers.waitFor(
        'every event after the outage',
        () => new Set(handled.map((entry) => `${entry.key}:${entry.sequence}`)).size === 2_000,
        40_000,
      );
    } finally {
      await outage.catch(() => undefined);
      await brokerUp();
      await subscription.stop();
    }
    const report = checkDelivery(handled, perKey, 0);
    console.log(
      `[bus contract kafka] broker outage: events=${report.events} handled=${report.handled} ` +
        `duplicates=${report.duplicates}`,
    );
    expect(report.missing).toEqual([]);
    expect(report.violations).toEqual([]);
    expect(publishedAt.some((at) => at < window.downAt)).toBe(true);
    expect(publishedAt.some((at) => at > window.upAt)).toBe(true);
  },
};

/**
 * Kafka-only: the common crash scenario publishes while consuming, and on Kafka its consumer
 * keeps up, so the kill tends to land between two publishes with everything committed. Here the
 * whole backlog is published first, so the SIGKILL lands inside fetched batches whose offsets
 * are not committed yet: the restarted consumer must replay them (duplicates), lose nothing,
 * and keep each key's order.
 */
export const backlogKillScenario: EventBusContractScenario = {
  name: 'replays uncommitted work after a consumer process is SIGKILLed inside a backlog (Kafka only)',
  timeoutMs: 120_000,
  run: async (target, helpers) => {
    const eventCount = 10_000;
    const killAfterHandled = 3_000;
    const topic = await helpers.topic('backlog');
    const keys = Array.from({ length: 8 }, (_unused, index) => `backlog-key-${index}`);
    const perKey = new Map(keys.map((key) => [key, eventCount / keys.length]));
    const events: EventEnvelope[] = [];
    for (let sequence = 0; sequence < eventCount / keys.length; sequence += 1) {
      for (const key of keys) {
        events.push(helpers.event(key, sequence));
      }
    }
    await target.bus.publish(topic, events);

    const directory = mkdtempSync(join(tmpdir(), 'corebank-kafka-backlog-'));
    const handledPath = join(directory, 'handled.log');
    writeFileSync(handledPath, '');
    const handled = (): ReturnType<typeof parseHandledLines> =>
      parseHandledLines(readFileSync(handledPath, 'utf8'));
    const childArguments = {
      config: target.childProcessConfig,
      topic,
      groupId: `backlog-${topic}`,
      handledPath,
    };
    const started: BusConsumerProcess[] = [];
    try {
      const first = await BusConsumerProcess.start(childArguments);
      started.push(first);
      await helpers.waitFor(
        `${killAfterHandled} events handled`,
        () => handled().length >= killAfterHandled,
        60_000,
      );
      await first.kill();
      const handledBeforeKill = handled().length;
      const second = await BusConsumerProcess.start(childArguments);
      started.push(second);
      await helpers.waitFor(
        'every event handled',
        () =>
          new Set(handled().map((entry) => `${entry.key}:${entry.sequence}`)).size >= eventCount,
        60_000,
      );
      await second.stop();
      const report = checkDelivery(handled(), perKey, 1);
      console.log(
        `[bus contract kafka] backlog kill: events=${report.events} handled=${report.handled} ` +
          `duplicates=${report.duplicates} handledBeforeKill=${handledBeforeKill}`,
      );
      expect(report.missing).toEqual([]);
      expect(report.violations).toEqual([]);
      expect(handledBeforeKill).toBeLessThan(eventCount);
    } finally {
      for (const consumer of started) {
        await consumer.kill();
      }
      rmSync(directory, { recursive: true, force: true });
    }
  },
};

let eventCounter = 0;

/** An event of the shape the contract's consumer processes record (`data.sequence`). */
export function kafkaContractEvent(key: string, sequence: number): EventEnvelope {
  eventCounter += 1;
  return {
    // Decimal ids unique within the test process, as snowflakes would be.
    id: `${Date.now()}${String(eventCounter).padStart(7, '0')}`,
    type: 'contract.event.happened.v1',
    version: 1,
    occurredAt: new Date().toISOString(),
    key,
    data: { sequence },
  };
}

/**
 * A fresh mock cluster and bus for one test. The mock refuses CreateTopics over the wire, so
 * topics are created through the mock (production topics are provisioned too).
 */
export async function startKafkaBusUnderTest(): Promise<EventBusUnderTest> {
  const cluster = await startKafkaMock({ brokers: BROKER_COUNT });
  const config = testConfig(cluster, 'contract');
  const logger = quietLogger();
  let bus = createEventBus(config, { logger });
  const raw = new Kafka({
    clientId: 'contract-raw',
    brokers: [...cluster.brokerAddresses],
    logLevel: logLevel.NOTHING,
  });
  let rawProducer: Producer | undefined;
  return {
    bus,
    childProcessConfig: config,
    // The mock refuses CreateTopics over the wire; production topics are provisioned too.
    prepareTopic: (topic) =>
      cluster.createTopic({
        name: topic,
        partitions: PARTITION_COUNT,
        replicationFactor: REPLICATION_FACTOR,
      }),
    restart: async () => {
      await bus.close();
      bus = createEventBus(config, { logger });
      return bus;
    },
    publishRaw: async (topic, message) => {
      rawProducer ??= raw.producer();
      await rawProducer.connect();
      await rawProducer.send({
        topic,
        acks: -1,
        messages: [{ key: message.key, value: message.value, headers: { ...message.headers } }],
      });
    },
    faults: {
      'broker-2-down': () => cluster.brokerDown(2),
      'broker-2-up': () => cluster.brokerUp(2),
    },
    dispose: async () => {
      await rawProducer?.disconnect();
      await bus.close();
      await cluster.stop();
    },
  };
}
