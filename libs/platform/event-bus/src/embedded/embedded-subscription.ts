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

/** Heartbeats are cheap writes, but not free: one per second is plenty for a 10 s session. */
const HEARTBEAT_INTERVAL_MS = 1_000;
const PIPELINE_RESTART_DELAY_MS = 500;

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
 * The loop sleeps only when a whole round found nothing new, and wakes at once when this process
 * appends to the topic (`wake`), or after `pollIntervalMs` to notice other processes' appends.
 */
export class EmbeddedSubscription implements Subscription {
  private readonly deadLetterTopic: string;
  private readonly positions = new Map<number, bigint>();
  private partitions = 0;
  private memberId = '';
  private pipeline: DeliveryPipeline | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private readonly stopController = new AbortController();
  private stopPromise: Promise<void> | undefined;
  private wakeGeneration = 0;
  private wakeSleeper: (() => void) | undefined;
  private lastHeartbeatMs = 0;
  private pipelineFailure: unknown;
  private consecutiveRestarts = 0;

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
    this.lastHeartbeatMs = clock.nowMs();
    this.pipeline = this.createPipeline();
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

  /** Stops from inside the loop; a failing final commit is logged (the messages come back). */
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
        // Something was delivered and committed: the restart budget starts over.
        this.consecutiveRestarts = 0;
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
        logger.warn('embedded bus: commit failed, will retry', {
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
    let seenDataVersion = log.dataVersion();
    try {
      while (!this.stopping) {
        const generation = this.wakeGeneration;
        // data_version moves when another process commits to the file; reading it first means
        // an append that lands during the fetch is noticed on the next turn.
        const dataVersion = log.dataVersion();
        let fetched = 0;
        if (fetchNeeded || dataVersion !== seenDataVersion) {
          seenDataVersion = dataVersion;
          fetched = await this.fetchRound();
        }
        if (this.stopping) {
          break;
        }
        if (!this.heartbeat()) {
          return;
        }
        if (this.pipelineFailure !== undefined || this.pipeline?.state === 'failed') {
          if (!(await this.restartPipeline())) {
            return;
          }
          fetchNeeded = true;
          continue;
        }
        fetchNeeded = fetched > 0;
        if (!fetchNeeded && generation === this.wakeGeneration) {
          await this.sleepUntilWoken(config.pollIntervalMs);
        }
        if (generation !== this.wakeGeneration) {
          fetchNeeded = true;
        }
      }
    } catch (error) {
      // Reading the log failed (disk, file removed): the subscription cannot go on; the
      // uncommitted messages stay in the log for the next member.
      this.dependencies.logger.error('embedded bus: subscription stopped', {
        topic: this.options.topic,
        groupId: this.options.groupId,
        ...describe(error),
      });
      this.stopAfterFailure();
    }
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

  /** Returns false (and stops) when another process took over the group. */
  private heartbeat(): boolean {
    const { log, clock, logger } = this.dependencies;
    const nowMs = clock.nowMs();
    if (nowMs - this.lastHeartbeatMs < HEARTBEAT_INTERVAL_MS) {
      return true;
    }
    this.lastHeartbeatMs = nowMs;
    if (log.heartbeat(this.options.groupId, this.options.topic, this.memberId, nowMs)) {
      return true;
    }
    logger.error('embedded bus: group member replaced, subscription stopped', {
      topic: this.options.topic,
      groupId: this.options.groupId,
    });
    this.stopAfterFailure();
    return false;
  }

  /**
   * The pipeline failed (the dead-letter topic could not be written): drain it, then resume from
   * the committed positions in a fresh one, a bounded number of times in a row.
   */
  private async restartPipeline(): Promise<boolean> {
    const failure = this.pipelineFailure;
    this.consecutiveRestarts += 1;
    const { logger, config } = this.dependencies;
    if (this.consecutiveRestarts > config.pipelineRestartsMax) {
      logger.error('embedded bus: delivery keeps failing, subscription stopped', {
        topic: this.options.topic,
        groupId: this.options.groupId,
        restarts: this.consecutiveRestarts - 1,
        ...describe(failure),
      });
      this.stopAfterFailure();
      return false;
    }
    logger.warn('embedded bus: delivery failed, resuming from the committed position', {
      topic: this.options.topic,
      groupId: this.options.groupId,
      ...describe(failure),
    });
    try {
      await this.pipeline?.drain();
    } catch (error) {
      logger.warn('embedded bus: commit during restart failed', describe(error));
    }
    await abortableSleep(PIPELINE_RESTART_DELAY_MS, this.stopController.signal);
    if (this.stopping) {
      return false;
    }
    this.pipeline = this.createPipeline();
    return true;
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
