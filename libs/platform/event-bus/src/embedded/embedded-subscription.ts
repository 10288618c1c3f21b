import type { Clock } from '@corebank/platform-clock';
import { PlatformError } from '@corebank/platform-errors';

import { abortableSleep, DEFAULT_RETRY_POLICY } from '../delivery/backoff';
import { defaultDeadLetterTopic } from '../delivery/deliver-message';
import { DeliveryPipeline } from '../delivery/delivery-pipeline';
import type { OutboundMessage } from '../delivery/messages';
import type { Subscription, SubscriptionOptions } from '../event-bus.port';
import type { EmbeddedEventBusConfig } from './embedded-config';
import type { SqliteLog } from './sqlite-log';

/** Where the adapter reports what it handled itself (same shape as the Kafka adapter's). */
export interface EmbeddedEventBusLogger {
  warn(message: string, fields: Readonly<Record<string, unknown>>): void;
  error(message: string, fields: Readonly<Record<string, unknown>>): void;
}

export interface EmbeddedSubscriptionDependencies {
  readonly log: SqliteLog;
  readonly config: EmbeddedEventBusConfig;
  readonly clock: Clock;
  readonly logger: EmbeddedEventBusLogger;
  /** Appends to a topic of this bus and wakes its in-process subscribers. */
  readonly append: (topic: string, messages: readonly OutboundMessage[]) => void;
  /** Called once the subscription stopped, so the bus forgets it. */
  readonly onStopped: (subscription: EmbeddedSubscription) => void;
}

/** One write per second keeps a member well inside a session timeout of several seconds. */
const HEARTBEAT_INTERVAL_MS = 1_000;

function describe(error: unknown): Record<string, unknown> {
  if (error instanceof PlatformError) {
    return { code: error.code, message: error.message, ...error.params };
  }
  return { message: error instanceof Error ? error.message : String(error) };
}

/**
 * One consumer-group member: a loop that reads every partition of the topic from the group's
 * position and feeds the shared DeliveryPipeline, which runs handlers and commits.
 *
 * The loop sleeps only when a whole round found nothing new. It wakes at once when this process
 * appends to the topic (`wake`), and otherwise checks every `pollIntervalMs` whether another
 * process committed to the file (SQLite's data_version) before reading partitions again.
 */
export class EmbeddedSubscription implements Subscription {
  private readonly deadLetterTopic: string;
  private readonly positions = new Map<number, bigint>();
  private readonly stopController = new AbortController();
  private partitions = 0;
  private memberId = '';
  private pipeline: DeliveryPipeline | undefined;
  private loop: Promise<void> | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private stopPromise: Promise<void> | undefined;
  private wakeGeneration = 0;
  private wakeSleeper: (() => void) | undefined;
  private pipelineFailure: unknown;
  private consecutiveFailures = 0;

  constructor(
    readonly options: SubscriptionOptions,
    private readonly dependencies: EmbeddedSubscriptionDependencies,
  ) {
    this.deadLetterTopic = options.deadLetterTopic ?? defaultDeadLetterTopic(options.topic);
  }

  get topic(): string {
    return this.options.topic;
  }

  /**
   * Joins the group and starts consuming from the committed positions (or the oldest retained
   * message for a partition the group never committed). Throws PlatformError
   * `conflict.bus_group_member_active` when another live process consumes this group and topic.
   */
  start(): void {
    const { log, clock, config } = this.dependencies;
    this.partitions = log.ensureTopic(this.options.topic, clock.nowMs());
    log.ensureTopic(this.deadLetterTopic, clock.nowMs());
    this.memberId = log.claimMembership(
      this.options.groupId,
      this.options.topic,
      clock.nowMs(),
      config.memberSessionTimeoutMs,
    );
    this.pipeline = this.createPipeline();
    // Heartbeats run on their own timer: a loop blocked on slow handlers must not look dead.
    this.heartbeatTimer = setInterval(() => this.heartbeat(), HEARTBEAT_INTERVAL_MS);
    this.heartbeatTimer.unref();
    this.loop = this.run();
  }

  /** Called by the bus when this process appended to the topic. */
  wake(): void {
    this.wakeGeneration += 1;
    this.wakeSleeper?.();
  }

  /** Graceful drain: stop fetching, let running handlers finish, commit, leave the group. */
  stop(): Promise<void> {
    this.stopPromise ??= this.stopOnce();
    return this.stopPromise;
  }

  private async stopOnce(): Promise<void> {
    this.stopping = true;
    this.stopController.abort();
    clearInterval(this.heartbeatTimer);
    this.wake();
    // Draining releases a fetch loop blocked on a full pipeline, so the loop can end.
    const draining = this.pipeline?.drain();
    await this.loop;
    try {
      await draining;
      await this.pipeline?.drain();
    } finally {
      try {
        this.dependencies.log.releaseMembership(
          this.options.groupId,
          this.options.topic,
          this.memberId,
        );
      } catch (error) {
        // The member row expires by session timeout anyway; the drain itself succeeded.
        this.dependencies.logger.warn('embedded bus: could not leave the group', describe(error));
      }
      this.dependencies.onStopped(this);
    }
  }

  /** Stops from inside the subscription; a failing final commit is logged (messages come back). */
  private stopAfterFailure(): void {
    this.stop().catch((error: unknown) => {
      this.dependencies.logger.warn('embedded bus: final commit failed', describe(error));
    });
  }

  private createPipeline(): DeliveryPipeline {
    const { log, clock, config, logger, append } = this.dependencies;
    this.positions.clear();
    const committed = log.committedOffsets(this.options.groupId, this.options.topic);
    this.pipelineFailure = undefined;
    const pipeline = new DeliveryPipeline({
      handler: this.options.handler,
      retry: this.options.retry ?? DEFAULT_RETRY_POLICY,
      deadLetterTopic: this.deadLetterTopic,
      publishDeadLetter: (topic, message) => {
        append(topic, [message]);
        return Promise.resolve();
      },
      commit: (positions) => {
        log.commit(this.options.groupId, this.memberId, positions, clock.nowMs());
        return Promise.resolve();
      },
      keyConcurrencyMax: config.keyConcurrencyMax,
      bufferedMessagesMax: config.bufferedMessagesMax,
      commitIntervalMs: config.commitIntervalMs,
      onFatalError: (error) => {
        this.pipelineFailure = error;
        this.wake();
      },
      onError: (error) => {
        logger.warn('embedded bus: commit failed, the next one retries', {
          topic: this.options.topic,
          groupId: this.options.groupId,
          ...describe(error),
        });
      },
    });
    for (let partition = 0; partition < this.partitions; partition += 1) {
      const nextOffset = committed.get(partition) ?? 0n;
      this.positions.set(partition, nextOffset);
      if (committed.has(partition)) {
        pipeline.seedCommitted({ topic: this.options.topic, partition, nextOffset });
      }
    }
    return pipeline;
  }

  private async run(): Promise<void> {
    const { log, config } = this.dependencies;
    let fetchNeeded = true;
    let seenDataVersion = -1;
    while (!this.stopping) {
      const generation = this.wakeGeneration;
      let fetched = 0;
      let failure: { readonly cause: unknown } | undefined;
      if (this.pipelineFailure !== undefined || this.pipeline?.state === 'failed') {
        failure = { cause: this.pipelineFailure };
      } else {
        try {
          // data_version moves when another process commits to the file; reading it before the
          // fetch means an append landing during the fetch is noticed on the next turn.
          const dataVersion = log.dataVersion();
          if (fetchNeeded || dataVersion !== seenDataVersion) {
            seenDataVersion = dataVersion;
            fetched = await this.fetchRound();
          }
        } catch (error) {
          failure = { cause: error };
        }
      }
      if (failure !== undefined) {
        if (!(await this.recover(failure.cause))) {
          return;
        }
        fetchNeeded = true;
        continue;
      }
      if (fetched > 0) {
        this.consecutiveFailures = 0;
      }
      fetchNeeded = fetched > 0;
      if (!fetchNeeded && !this.stopping && generation === this.wakeGeneration) {
        await this.sleepUntilWoken(config.pollIntervalMs);
      }
      if (generation !== this.wakeGeneration) {
        fetchNeeded = true;
      }
    }
  }

  /**
   * Reading the log failed, or the pipeline failed (dead-letter topic unwritable). Drains the
   * pipeline (committing what is done), waits, and resumes from the committed positions in a new
   * one; gives up after `consecutiveFailuresMax` failures in a row. Returns false to end the loop.
   */
  private async recover(failure: unknown): Promise<boolean> {
    const { logger, config } = this.dependencies;
    this.consecutiveFailures += 1;
    const fields = {
      topic: this.options.topic,
      groupId: this.options.groupId,
      failuresInARow: this.consecutiveFailures,
      ...describe(failure),
    };
    if (this.consecutiveFailures > config.consecutiveFailuresMax) {
      logger.error('embedded bus: delivery keeps failing, subscription stopped', fields);
      this.stopAfterFailure();
      return false;
    }
    logger.warn('embedded bus: delivery failed, resuming from the committed position', fields);
    try {
      await this.pipeline?.drain();
    } catch (error) {
      logger.warn('embedded bus: commit during recovery failed', describe(error));
    }
    await abortableSleep(config.failureRetryDelayMs, this.stopController.signal);
    if (this.stopping) {
      return false;
    }
    try {
      this.pipeline = this.createPipeline();
    } catch (error) {
      return this.recover(error);
    }
    return true;
  }

  /** Reads one batch per partition into the pipeline. Returns how many messages it accepted. */
  private async fetchRound(): Promise<number> {
    const { log, config } = this.dependencies;
    const pipeline = this.pipeline;
    if (pipeline === undefined) {
      return 0;
    }
    let accepted = 0;
    for (let partition = 0; partition < this.partitions; partition += 1) {
      const from = this.positions.get(partition) ?? 0n;
      const messages = log.fetch(this.options.topic, partition, from, config.fetchBatchSizeMax);
      for (const message of messages) {
        if (!(await pipeline.push(message))) {
          return accepted;
        }
        this.positions.set(partition, message.offset + 1n);
        accepted += 1;
      }
    }
    return accepted;
  }

  /** Stops the subscription when another process took over the group. */
  private heartbeat(): void {
    const { log, clock, logger } = this.dependencies;
    try {
      if (log.heartbeat(this.options.groupId, this.options.topic, this.memberId, clock.nowMs())) {
        return;
      }
    } catch (error) {
      // A missed heartbeat is harmless until the session timeout; the next one retries.
      logger.warn('embedded bus: heartbeat failed', describe(error));
      return;
    }
    logger.error('embedded bus: group member replaced, subscription stopped', {
      topic: this.options.topic,
      groupId: this.options.groupId,
    });
    this.stopAfterFailure();
  }

  private sleepUntilWoken(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeSleeper = undefined;
        resolve();
      }, timeoutMs);
      this.wakeSleeper = () => {
        clearTimeout(timer);
        this.wakeSleeper = undefined;
        resolve();
      };
    });
  }
}
