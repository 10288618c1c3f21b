import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type {
  DeliveryContext,
  EventBus,
  EventBusConfig,
  EventEnvelope,
  EventHandler,
  RetryPolicy,
} from '@corebank/platform-event-bus';

import { BusConsumerProcess } from './bus-consumer-process';
import { isContractEventData } from './bus-consumer-protocol';
import { checkDelivery, type DeliveryReport, parseHandledLines } from './handled-log';

/** What a factory hands the contract for one test: a bus, plus optional hooks. */
export interface EventBusUnderTest {
  /** The bus the suite publishes and subscribes through. The suite closes it. */
  readonly bus: EventBus;
  /**
   * Configuration a consumer in another OS process passes to `createEventBus`, reaching the
   * same durable state as `bus` (same SQLite file, same brokers).
   */
  readonly childProcessConfig: EventBusConfig;
  /** Creates a topic (and any engine-side setup) before the suite uses it; optional. */
  prepareTopic?(topic: string): Promise<void>;
  /** Closes `bus` and opens a new one on the same durable state; optional. */
  restart?(): Promise<EventBus>;
  /** Appends bytes as-is to a topic, for the malformed-message scenario; optional. */
  publishRaw?(
    topic: string,
    message: { key: string; value: Buffer; headers: Readonly<Record<string, string>> },
  ): Promise<void>;
  /** Engine-specific fault injection, for the factory's own extra scenarios. */
  readonly faults?: Readonly<Record<string, () => Promise<void>>>;
  /** Stops whatever the factory started (engines, temp dirs). Called after the suite's close. */
  dispose(): Promise<void>;
}

export type EventBusFactory = () => Promise<EventBusUnderTest>;

/** An engine-specific scenario run with the same harness as the common ones. */
export interface EventBusContractScenario {
  readonly name: string;
  readonly timeoutMs?: number;
  run(target: EventBusUnderTest, helpers: EventBusContractHelpers): Promise<void>;
}

export interface EventBusContractHelpers {
  /** A fresh topic name for this test (prepared through `prepareTopic`). */
  topic(label: string): Promise<string>;
  event(key: string, sequence: number, topicLabel?: string): EventEnvelope;
  waitFor(what: string, condition: () => boolean, timeoutMs?: number): Promise<void>;
}

export interface EventBusContractOptions {
  /** The crash scenario's size; defaults: 10,000 events over 8 keys, kill after 3,000 handled. */
  readonly crash?: {
    readonly events?: number;
    readonly keys?: number;
    readonly killAfterHandled?: number;
    readonly timeoutMs?: number;
  };
  /** How long the suite waits for deliveries in the common scenarios (default 20 s). */
  readonly deliveryTimeoutMs?: number;
  readonly extraScenarios?: readonly EventBusContractScenario[];
}

const FAST_RETRY: RetryPolicy = { attemptsMax: 3, backoffInitialMs: 10, backoffMaxMs: 40 };
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const PUBLISH_BATCH_SIZE = 500;
const PUBLISH_PAUSE_MS = 20;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(10);
  }
}

let eventCounter = 0;

function contractEvent(key: string, sequence: number): EventEnvelope {
  eventCounter += 1;
  return {
    // Decimal ids unique within the test process, as snowflakes would be.
    id: `${Date.now()}${String(eventCounter).padStart(7, '0')}`,
    type: 'contract.event.happened.v1',
    version: 1,
    occurredAt: new Date().toISOString(),
    key,
    traceparent: TRACEPARENT,
    data: { sequence },
  };
}

function sequenceOf(event: EventEnvelope): number {
  if (!isContractEventData(event.data)) {
    throw new Error(`event ${event.id} carries no sequence`);
  }
  return event.data.sequence;
}

/** Records handled events per key, in handling order. */
function recordingHandler(): {
  handler: EventHandler;
  handled: Array<{ key: string; sequence: number }>;
} {
  const handled: Array<{ key: string; sequence: number }> = [];
  return {
    handled,
    handler: (event) => {
      handled.push({ key: event.key, sequence: sequenceOf(event) });
      return Promise.resolve();
    },
  };
}

function expectCleanReport(report: DeliveryReport): void {
  expect(report.missing).toEqual([]);
  expect(report.violations).toEqual([]);
}

/**
 * The bus contract (ARCHITECTURE §7–8), run unchanged against every adapter: delivery of the
 * envelope, consumer groups, per-key order, at-least-once across a consumer killed with SIGKILL,
 * dead-lettering of poison and malformed messages, graceful drain, and restart from committed
 * offsets. Each test gets a fresh harness from `factory` and fresh topics.
 */
export function describeEventBusContract(
  name: string,
  factory: EventBusFactory,
  options: EventBusContractOptions = {},
): void {
  const deliveryTimeoutMs = options.deliveryTimeoutMs ?? 20_000;

  describe(`EventBus contract: ${name}`, () => {
    let target: EventBusUnderTest;
    let currentBus: EventBus;
    const cleanups: Array<() => Promise<void>> = [];
    const runId = randomUUID().slice(0, 8);
    let topicCounter = 0;

    const helpers: EventBusContractHelpers = {
      topic: async (label) => {
        topicCounter += 1;
        const topic = `contract.${runId}.${label}.${topicCounter}`;
        // The dead-letter topic and its own dead-letter topic are prepared too, so engines
        // without automatic topic creation can run every scenario.
        for (const name of [topic, `${topic}.dead-letter`, `${topic}.dead-letter.dead-letter`]) {
          await target.prepareTopic?.(name);
        }
        return topic;
      },
      event: contractEvent,
      waitFor: (what, condition, timeoutMs = deliveryTimeoutMs) =>
        waitFor(what, condition, timeoutMs),
    };

    beforeEach(async () => {
      target = await factory();
      currentBus = target.bus;
    });

    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) {
        await cleanup().catch(() => undefined);
      }
      await currentBus.close();
      await target.dispose();
    });

    it('delivers the published envelope unchanged, with its topic and first attempt', async () => {
      const topic = await helpers.topic('roundtrip');
      const received: Array<{ event: EventEnvelope; context: DeliveryContext }> = [];
      const subscription = await currentBus.subscribe({
        topic,
        groupId: `roundtrip-${runId}`,
        handler: (event, context) => {
          received.push({ event, context });
          return Promise.resolve();
        },
      });
      cleanups.push(() => subscription.stop());
      const published = contractEvent('account-1', 0);
      await currentBus.publish(topic, [published]);
      await helpers.waitFor('the event', () => received.length === 1);
      expect(received[0]?.event).toEqual(published);
      expect(received[0]?.context).toMatchObject({ topic, attempt: 1 });
      await currentBus.ping();
    });

    it('gives each consumer group every event, in order per key', async () => {
      const topic = await helpers.topic('groups');
      const keys = ['a', 'b', 'c', 'd'];
      const events = Array.from({ length: 200 }, (_unused, index) =>
        contractEvent(keys[index % keys.length] ?? 'a', Math.floor(index / keys.length)),
      );
      const perKey = new Map(keys.map((key) => [key, 50]));
      const groups = [recordingHandler(), recordingHandler()];
      for (const [index, group] of groups.entries()) {
        const subscription = await currentBus.subscribe({
          topic,
          groupId: `group-${index}-${runId}`,
          handler: group.handler,
        });
        cleanups.push(() => subscription.stop());
      }
      await currentBus.publish(topic, events);
      await helpers.waitFor('both groups', () =>
        groups.every(
          (group) => new Set(group.handled.map((h) => `${h.key}:${h.sequence}`)).size === 200,
        ),
      );
      for (const group of groups) {
        expectCleanReport(checkDelivery(group.handled, perKey, 0));
      }
    });

    it('dead-letters an event whose handler always throws after attemptsMax tries, and the key moves on', async () => {
      const topic = await helpers.topic('poison');
      const attemptsOfPoison: number[] = [];
      const handled: number[] = [];
      const subscription = await currentBus.subscribe({
        topic,
        groupId: `poison-${runId}`,
        retry: FAST_RETRY,
        handler: (event, context) => {
          if (sequenceOf(event) === 1) {
            attemptsOfPoison.push(context.attempt);
            return Promise.reject(new Error('poison event'));
          }
          handled.push(sequenceOf(event));
          return Promise.resolve();
        },
      });
      cleanups.push(() => subscription.stop());
      const deadLettered: EventEnvelope[] = [];
      const inspector = await currentBus.subscribe({
        topic: `${topic}.dead-letter`,
        groupId: `poison-inspector-${runId}`,
        handler: (event) => {
          deadLettered.push(event);
          return Promise.resolve();
        },
      });
      cleanups.push(() => inspector.stop());
      const events = [0, 1, 2].map((sequence) => contractEvent('poisoned-key', sequence));
      await currentBus.publish(topic, events);
      await helpers.waitFor('the event after the poison one', () => handled.includes(2));
      await helpers.waitFor('the dead-lettered event', () => deadLettered.length === 1);
      expect(handled).toEqual([0, 2]);
      expect(attemptsOfPoison).toEqual([1, 2, 3]);
      expect(deadLettered[0]).toEqual(events[1]);
    });

    it('dead-letters a message that is not an envelope and keeps consuming', async () => {
      if (target.publishRaw === undefined) {
        console.log(
          `[bus contract ${name}] malformed-message scenario skipped: no publishRaw hook`,
        );
        return;
      }
      const topic = await helpers.topic('malformed');
      const consumer = recordingHandler();
      const subscription = await currentBus.subscribe({
        topic,
        groupId: `malformed-${runId}`,
        handler: consumer.handler,
      });
      cleanups.push(() => subscription.stop());
      await target.publishRaw(topic, {
        key: 'malformed-key',
        value: Buffer.from('{"this is": "not an envelope"'),
        headers: { 'event-type': 'contract.event.happened.v1' },
      });
      await currentBus.publish(topic, [contractEvent('malformed-key', 0)]);
      await helpers.waitFor('the valid event', () => consumer.handled.length === 1);
      expect(consumer.handled).toEqual([{ key: 'malformed-key', sequence: 0 }]);
    });

    it('drains on stop(): waits for the running handler, commits it, and redelivers nothing handled', async () => {
      const topic = await helpers.topic('drain');
      const groupId = `drain-${runId}`;
      let releaseHandler: () => void = () => undefined;
      const handlerReleased = new Promise<void>((resolve) => {
        releaseHandler = resolve;
      });
      const started: number[] = [];
      let finished = 0;
      const subscription = await currentBus.subscribe({
        topic,
        groupId,
        handler: async (event) => {
          started.push(sequenceOf(event));
          await handlerReleased;
          finished += 1;
        },
      });
      await currentBus.publish(
        topic,
        [0, 1, 2].map((sequence) => contractEvent('drain-key', sequence)),
      );
      await helpers.waitFor('the first handler to start', () => started.length === 1);
      let stopped = false;
      const stopping = subscription.stop().then(() => {
        stopped = true;
      });
      await sleep(300);
      expect(stopped).toBe(false);
      releaseHandler();
      await stopping;
      expect(finished).toBe(1);
      expect(started).toEqual([0]);

      const resumed = recordingHandler();
      const again = await currentBus.subscribe({ topic, groupId, handler: resumed.handler });
      cleanups.push(() => again.stop());
      await helpers.waitFor('the rest of the key', () => resumed.handled.length >= 2);
      await sleep(200);
      expect(resumed.handled.map((handled) => handled.sequence)).toEqual([1, 2]);
    });

    it('resumes from committed offsets after the bus is closed and opened again', async () => {
      if (target.restart === undefined) {
        console.log(`[bus contract ${name}] restart scenario skipped: no restart hook`);
        return;
      }
      const topic = await helpers.topic('restart');
      const groupId = `restart-${runId}`;
      const before = recordingHandler();
      await currentBus.subscribe({ topic, groupId, handler: before.handler });
      await currentBus.publish(
        topic,
        Array.from({ length: 50 }, (_unused, sequence) => contractEvent('restart-key', sequence)),
      );
      await helpers.waitFor('the first 50', () => before.handled.length === 50);
      currentBus = await target.restart();
      await currentBus.publish(
        topic,
        Array.from({ length: 50 }, (_unused, index) => contractEvent('restart-key', 50 + index)),
      );
      const after = recordingHandler();
      const subscription = await currentBus.subscribe({ topic, groupId, handler: after.handler });
      cleanups.push(() => subscription.stop());
      await helpers.waitFor('the next 50', () => after.handled.length >= 50);
      await sleep(200);
      expect(after.handled.map((handled) => handled.sequence)).toEqual(
        Array.from({ length: 50 }, (_unused, index) => 50 + index),
      );
    });

    const crashEvents = options.crash?.events ?? 10_000;
    const crashKeys = options.crash?.keys ?? 8;
    const killAfterHandled = options.crash?.killAfterHandled ?? Math.floor(crashEvents * 0.3);
    const crashTimeoutMs = options.crash?.timeoutMs ?? 90_000;

    it(
      `handles ${crashEvents} events over ${crashKeys} keys at least once and in order per key, across a consumer process killed with SIGKILL`,
      async () => {
        const startedAtMs = Date.now();
        const topic = await helpers.topic('crash');
        const groupId = `crash-${runId}`;
        const directory = mkdtempSync(join(tmpdir(), 'corebank-bus-contract-'));
        cleanups.push(() => {
          rmSync(directory, { recursive: true, force: true });
          return Promise.resolve();
        });
        const handledPath = join(directory, 'handled.log');
        writeFileSync(handledPath, '');
        const handledCount = (): number =>
          parseHandledLines(readFileSync(handledPath, 'utf8')).length;
        const childArguments = {
          config: target.childProcessConfig,
          topic,
          groupId,
          handledPath,
        };

        const first = await BusConsumerProcess.start(childArguments);
        cleanups.push(() => first.kill());
        const keys = Array.from({ length: crashKeys }, (_unused, index) => `crash-key-${index}`);
        const perKey = new Map(keys.map((key) => [key, 0]));
        const events: EventEnvelope[] = [];
        for (let index = 0; index < crashEvents; index += 1) {
          const key = keys[index % crashKeys] ?? 'crash-key-0';
          const sequence = perKey.get(key) ?? 0;
          perKey.set(key, sequence + 1);
          events.push(contractEvent(key, sequence));
        }
        // Publishing runs while the first consumer works, so the kill lands part-way through
        // the stream rather than after the whole backlog was published.
        const publishing = (async () => {
          for (let start = 0; start < events.length; start += PUBLISH_BATCH_SIZE) {
            await currentBus.publish(topic, events.slice(start, start + PUBLISH_BATCH_SIZE));
            // A pause between batches lets the watcher below observe progress (an embedded
            // publish completes synchronously and would otherwise never yield to timers).
            await sleep(PUBLISH_PAUSE_MS);
          }
        })();
        await waitFor(
          `${killAfterHandled} events handled by the first consumer`,
          () => handledCount() >= killAfterHandled,
          crashTimeoutMs,
        );
        await first.kill();
        const handledBeforeKill = handledCount();
        await publishing;

        const second = await BusConsumerProcess.start(childArguments);
        cleanups.push(() => second.kill());
        await waitFor(
          'every event handled',
          () => new Set(readFileSync(handledPath, 'utf8').split('\n')).size - 1 >= crashEvents,
          crashTimeoutMs,
        );
        await second.stop();

        const report = checkDelivery(
          parseHandledLines(readFileSync(handledPath, 'utf8')),
          perKey,
          1,
        );
        console.log(
          `[bus contract ${name}] crash-restart: events=${report.events} handled=${report.handled} ` +
            `duplicates=${report.duplicates} handledBeforeKill=${handledBeforeKill} ` +
            `timeMs=${Date.now() - startedAtMs}`,
        );
        expectCleanReport(report);
        expect(report.events).toBe(crashEvents);
        expect(handledBeforeKill).toBeLessThan(crashEvents);
      },
      crashTimeoutMs * 3,
    );

    for (const scenario of options.extraScenarios ?? []) {
      it(scenario.name, () => scenario.run(target, helpers), scenario.timeoutMs);
    }
  });
}
