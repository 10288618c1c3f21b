import { resolve } from 'node:path';

import { type Clock, systemClock } from '@corebank/platform-clock';
import { PlatformError } from '@corebank/platform-errors';

import type { OutboundMessage } from '../delivery/messages';
import { encodeEnvelope } from '../envelope/envelope';
import type { EventBus, EventEnvelope, Subscription, SubscriptionOptions } from '../event-bus.port';
import {
  type EmbeddedEventBusConfig,
  type EmbeddedEventBusConfigInput,
  embeddedEventBusConfigSchema,
} from './embedded-config';
import { type EmbeddedEventBusLogger, EmbeddedSubscription } from './embedded-subscription';
import { SqliteLog } from './sqlite-log';

export interface EmbeddedEventBusOptions {
  readonly clock?: Clock;
  /** Defaults to JSON lines on stderr. */
  readonly logger?: EmbeddedEventBusLogger;
}

const stderrLogger: EmbeddedEventBusLogger = {
  warn: (message, fields) => {
    process.stderr.write(`${JSON.stringify({ level: 'warn', message, ...fields })}\n`);
  },
  error: (message, fields) => {
    process.stderr.write(`${JSON.stringify({ level: 'error', message, ...fields })}\n`);
  },
};

const GROUP_ID_PATTERN = /^[a-zA-Z0-9._:-]{1,200}$/;

/**
 * Buses of this process by log file, so a publish through one wakes the subscriptions of every
 * other bus on the same file at once (the bank app may open one bus per module).
 */
const busesByPath = new Map<string, Set<EmbeddedEventBus>>();

/**
 * The event bus on a durable log in one SQLite file: the default engine of the all-in-one
 * `bank` process and of tests. Same contract as the Kafka adapter (ARCHITECTURE §7–8):
 * at-least-once, per-key order, consumer groups, dead-letter topics.
 *
 * - Topics have `partitionsDefault` partitions (fixed when the topic is created); an event goes
 *   to partition FNV-1a(key) mod P, so one key's events keep their order.
 * - Each (group, topic) has one member at a time, in one process: a second subscribe with the
 *   same group fails with `conflict.bus_group_member_active` until the first stops, its
 *   process dies, or it misses heartbeats for `memberSessionTimeoutMs`. Different groups on one
 *   topic each receive every event.
 * - A group that never committed starts at the oldest retained message.
 * - Offsets are committed only after the handler resolved or the event was dead-lettered, so
 *   a process that dies redelivers, on restart, what it had not committed.
 * - Retention: see `runRetention`.
 */
export class EmbeddedEventBus implements EventBus {
  readonly config: EmbeddedEventBusConfig;
  private readonly log: SqliteLog;
  private readonly clock: Clock;
  private readonly logger: EmbeddedEventBusLogger;
  private readonly registryKey: string;
  private readonly subscriptions = new Set<EmbeddedSubscription>();
  private readonly retentionTimer: NodeJS.Timeout;
  private closePromise: Promise<void> | undefined;

  /**
   * Throws PlatformError `invalid.bus_config` (not retryable) for an invalid configuration and
   * `unavailable.bus` (retryable) when the log file cannot be opened.
   */
  constructor(config: EmbeddedEventBusConfigInput, options: EmbeddedEventBusOptions = {}) {
    const parsed = embeddedEventBusConfigSchema.safeParse(config);
    if (!parsed.success) {
      throw new PlatformError('invalid.bus_config', 'invalid embedded event bus configuration', {
        retryable: false,
        params: {
          issues: parsed.error.issues
            .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
            .join('; '),
        },
      });
    }
    this.config = Object.freeze(parsed.data);
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? stderrLogger;
    this.log = new SqliteLog(
      this.config.path,
      this.config.partitionsDefault,
      this.config.busyTimeoutMs,
    );
    this.registryKey =
      this.config.path === ':memory:' ? `:memory:${Math.random()}` : resolve(this.config.path);
    const peers = busesByPath.get(this.registryKey) ?? new Set();
    peers.add(this);
    busesByPath.set(this.registryKey, peers);
    this.retentionTimer = setInterval(() => this.retentionTick(), this.config.retentionIntervalMs);
    // Retention alone must not keep a process alive.
    this.retentionTimer.unref();
  }

  /**
   * Appends the events in one SQLite transaction: all are durably stored (fsync) or none.
   * Subscriptions of this process wake at once; other processes notice within pollIntervalMs.
   *
   * Rejects with PlatformError `invalid.event_envelope` / `invalid.bus_topic` (not retryable)
   * before writing anything, `unavailable.bus` (retryable) when the write failed or the bus is
   * closed.
   */
  publish(topic: string, events: readonly EventEnvelope[]): Promise<void> {
    // The executor turns a synchronous throw into a rejection.
    return new Promise((resolve) => {
      this.assertOpen();
      SqliteLog.assertTopicName(topic);
      if (events.length > 0) {
        this.append(topic, events.map(encodeEnvelope));
      }
      resolve();
    });
  }

  /**
   * Appends already-encoded messages as they are (no envelope validation). For relays and
   * tooling that move messages between topics, such as replaying a dead-letter topic, and for
   * tests that need a malformed message on a topic.
   */
  publishRaw(topic: string, messages: readonly OutboundMessage[]): Promise<void> {
    return new Promise((resolve) => {
      this.assertOpen();
      SqliteLog.assertTopicName(topic);
      if (messages.length > 0) {
        this.append(topic, messages);
      }
      resolve();
    });
  }

  /**
   * Joins the group and starts delivering. Rejects with PlatformError
   * `conflict.bus_group_member_active` when a live member already consumes this group and topic,
   * `invalid.bus_subscription` for a bad group id or dead-letter topic, `invalid.retry_policy`.
   */
  subscribe(options: SubscriptionOptions): Promise<Subscription> {
    return new Promise((resolve) => {
      this.assertOpen();
      SqliteLog.assertTopicName(options.topic);
      if (!GROUP_ID_PATTERN.test(options.groupId)) {
        throw new PlatformError('invalid.bus_subscription', 'group ids use [a-zA-Z0-9._:-]', {
          retryable: false,
          params: { groupId: options.groupId.slice(0, 210) },
        });
      }
      if (options.deadLetterTopic !== undefined) {
        SqliteLog.assertTopicName(options.deadLetterTopic);
        if (options.deadLetterTopic === options.topic) {
          throw new PlatformError('invalid.bus_subscription', 'dead-letter topic is the topic', {
            retryable: false,
            params: { topic: options.topic },
          });
        }
      }
      const subscription = new EmbeddedSubscription(options, {
        log: this.log,
        config: this.config,
        clock: this.clock,
        logger: this.logger,
        append: (topic, messages) => this.append(topic, messages),
        onStopped: (stopped) => this.subscriptions.delete(stopped),
      });
      subscription.start();
      this.subscriptions.add(subscription);
      resolve(subscription);
    });
  }

  /** Rejects with PlatformError `unavailable.bus` when closed or the file cannot be read. */
  ping(): Promise<void> {
    return new Promise((resolve) => {
      this.assertOpen();
      this.log.ping();
      resolve();
    });
  }

  /** Drains every subscription, then closes the file. Idempotent. */
  close(): Promise<void> {
    this.closePromise ??= this.closeOnce();
    return this.closePromise;
  }

  /**
   * Deletes, per partition, the oldest messages that every group with a committed position on
   * the topic has consumed and that are older than `retentionConsumedMs`, and any message older
   * than `retentionMaxAgeMs`, at most `retentionDeleteBatchMax` per partition per run. Runs every
   * `retentionIntervalMs`; public so operators and tests can run it now. Returns messages deleted.
   *
   * A group that never committed on a topic does not hold messages back; only the age bound
   * protects its backlog. Offsets are never reused (partition heads are kept separately).
   */
  runRetention(): number {
    this.assertOpen();
    return this.log.applyRetention({
      nowMs: this.clock.nowMs(),
      consumedMs: this.config.retentionConsumedMs,
      maxAgeMs: this.config.retentionMaxAgeMs,
      deleteBatchMax: this.config.retentionDeleteBatchMax,
    });
  }

  private async closeOnce(): Promise<void> {
    clearInterval(this.retentionTimer);
    const stopping = [...this.subscriptions].map((subscription) => subscription.stop());
    const results = await Promise.allSettled(stopping);
    busesByPath.get(this.registryKey)?.delete(this);
    if (busesByPath.get(this.registryKey)?.size === 0) {
      busesByPath.delete(this.registryKey);
    }
    this.log.close();
    const failure = results.find((result) => result.status === 'rejected');
    if (failure !== undefined) {
      throw new PlatformError('unavailable.bus', 'a subscription did not drain cleanly', {
        retryable: true,
        cause: failure.reason,
      });
    }
  }

  private append(topic: string, messages: readonly OutboundMessage[]): void {
    this.log.append(topic, messages, this.clock.nowMs());
    for (const bus of busesByPath.get(this.registryKey) ?? []) {
      bus.notifyAppended(topic);
    }
  }

  private notifyAppended(topic: string): void {
    for (const subscription of this.subscriptions) {
      if (subscription.topic === topic) {
        subscription.wake();
      }
    }
  }

  private retentionTick(): void {
    try {
      this.runRetention();
    } catch (error) {
      this.logger.warn('embedded bus: retention failed', {
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }

  private assertOpen(): void {
    if (this.closePromise !== undefined) {
      throw new PlatformError('unavailable.bus', 'the event bus is closed', { retryable: true });
    }
  }
}
