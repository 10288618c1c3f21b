import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';

import { PlatformError } from '@corebank/platform-errors';

import { abortableSleep, DEFAULT_RETRY_POLICY } from '../delivery/backoff';
import { defaultDeadLetterTopic } from '../delivery/deliver-message';
import { DeliveryPipeline } from '../delivery/delivery-pipeline';
import type { CommitPosition, OutboundMessage } from '../delivery/messages';
import type { Subscription, SubscriptionOptions } from '../event-bus.port';
import type { KafkaEventBusConfig } from './kafka-config';
import { toInboundMessage } from './kafka-messages';

export interface KafkaSubscriptionDependencies {
  readonly kafka: Kafka;
  readonly config: KafkaEventBusConfig;
  readonly options: SubscriptionOptions;
  /** Resolves once the message is on the dead-letter topic with acks=all. */
  readonly publishDeadLetter: (topic: string, message: OutboundMessage) => Promise<void>;
  /** Problems the subscription handled itself (redelivery follows); for logs and metrics. */
  readonly reportError: (error: PlatformError) => void;
  /** Problems someone must act on: the member stopped consuming and will not restart. */
  readonly reportFailure: (error: PlatformError) => void;
}

/** How a fetched batch ended; only `committed` moves the fetch position past it. */
type BatchEnd =
  | { readonly kind: 'committed' }
  | { readonly kind: 'rebalancing'; readonly error: Error }
  | { readonly kind: 'stopping' }
  | { readonly kind: 'pipeline_failed' }
  | { readonly kind: 'timed_out' };

/** Protocol errors after which this member must rejoin before it may commit again. */
const REBALANCE_ERROR_TYPES = new Set([
  'REBALANCE_IN_PROGRESS',
  'NOT_COORDINATOR_FOR_GROUP',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
]);

/**
 * The protocol error saying this member must rejoin, if `error` is or wraps one. kafkajs wraps
 * protocol errors (retrier, non-retriable) and keeps the original in `cause`; its runner rejoins
 * only when it gets the original back (it looks at `type`).
 */
function findRebalanceError(error: unknown): Error | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    const type = (current as { type?: unknown }).type;
    if (typeof type === 'string' && REBALANCE_ERROR_TYPES.has(type)) {
      return current;
    }
    current = current.cause;
  }
  return undefined;
}

function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/**
 * One consumer-group member reading one topic with kafkajs, delivering through the shared
 * DeliveryPipeline (retries, backoff, dead-letter topic, per-key order, batched commits).
 *
 * Offsets: kafkajs auto-commit is off, and kafkajs' own fetch position (`resolveOffset`) moves
 * past a batch only after the pipeline committed that batch. A batch handler therefore returns
 * only once its messages are handled or dead-lettered and committed.
 *
 * Rebalances: the coordinator refuses commits until every member rejoined, and kafkajs rejoins
 * only after running batch handlers returned. When a heartbeat or commit reports a rebalance,
 * the subscription lets running handlers finish (no new ones start), gives the uncommitted rest
 * up and hands the protocol error back to kafkajs, which rejoins; the next owner of a partition
 * fetches from its committed offset. No two members handle one key at once, so order per key
 * holds; the cost is a few redeliveries.
 *
 * When the pipeline fails (a dead-letter publish failed every try), a batch exceeds
 * `batchCompletionTimeoutMs`, or its commit keeps failing, the subscription drains the pipeline
 * (running handlers finish), starts a fresh one, and returns the batch unresolved, so kafkajs
 * fetches again from the last committed position.
 */
export class KafkaSubscription implements Subscription {
  private readonly consumer: Consumer;
  private readonly committedNextOffsets = new Map<string, bigint>();
  private changeWaiters: Array<() => void> = [];
  private pipeline: DeliveryPipeline;
  /** Highest offset pushed into the current pipeline, per partition. */
  private lastPushedOffsets = new Map<string, bigint>();
  /** Aborted on stop(), so a back-off before refetching does not delay the drain. */
  private readonly stopController = new AbortController();
  /** Set when a commit or heartbeat of the current pipeline learned the group is rebalancing. */
  private rebalanceError: Error | undefined;
  private stopPromise: Promise<void> | undefined;

  private constructor(private readonly dependencies: KafkaSubscriptionDependencies) {
    const { config, options } = dependencies;
    this.consumer = dependencies.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: config.sessionTimeoutMs,
      rebalanceTimeout: config.rebalanceTimeoutMs,
      heartbeatInterval: config.heartbeatIntervalMs,
      maxWaitTimeInMs: config.fetchMaxWaitMs,
      allowAutoTopicCreation: config.allowAutoTopicCreation,
      retry: {
        retries: config.requestRetriesMax,
        initialRetryTime: config.requestRetryInitialMs,
        maxRetryTime: config.requestRetryMaxMs,
      },
    });
    this.pipeline = this.createPipeline();
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      // kafkajs restarts the member after retriable failures; after any other it stays down.
      if (!event.payload.restart) {
        this.dependencies.reportFailure(
          new PlatformError('unavailable.bus_consumer', 'consumer stopped after a failure', {
            retryable: false,
            params: { topic: options.topic, groupId: options.groupId },
            cause: event.payload.error,
          }),
        );
      }
    });
  }

  /**
   * Joins the group and starts consuming. A group without committed offsets starts at the
   * earliest retained message, so events published before the first subscriber are not lost.
   * Resolves after the first join. Throws PlatformError `unavailable.bus` (retryable).
   */
  static async start(dependencies: KafkaSubscriptionDependencies): Promise<KafkaSubscription> {
    const subscription = new KafkaSubscription(dependencies);
    const { config, options } = dependencies;
    try {
      await subscription.consumer.connect();
      await subscription.consumer.subscribe({ topic: options.topic, fromBeginning: true });
      await subscription.consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
        eachBatch: (payload) => subscription.consumeBatch(payload),
      });
    } catch (cause) {
      await subscription.consumer.disconnect().catch(() => undefined);
      throw new PlatformError('unavailable.bus', 'could not join the consumer group', {
        retryable: true,
        params: { topic: options.topic, groupId: options.groupId },
        cause,
      });
    }
    return subscription;
  }

  /**
   * Graceful drain: stop accepting messages, cancel retry backoffs, wait for running handlers,
   * commit what finished, then leave the group. Idempotent. Messages not committed (waiting in a
   * backoff, or after a failed final commit) are delivered again to the next member.
   */
  stop(): Promise<void> {
    this.stopPromise ??= this.stopOnce();
    return this.stopPromise;
  }

  private async stopOnce(): Promise<void> {
    this.stopController.abort();
    try {
      await this.pipeline.drain();
    } catch (cause) {
      this.report('unavailable.bus_commit', 'final commit failed; uncommitted events come again', {
        cause,
      });
    }
    this.notifyChange();
    // kafkajs waits for running batch handlers (they return once the pipeline drained), then
    // leaves the group so the partitions are reassigned without waiting for the session timeout.
    await this.consumer.disconnect();
  }

  private createPipeline(): DeliveryPipeline {
    const { config, options } = this.dependencies;
    return new DeliveryPipeline({
      handler: options.handler,
      retry: options.retry ?? DEFAULT_RETRY_POLICY,
      deadLetterTopic: options.deadLetterTopic ?? defaultDeadLetterTopic(options.topic),
      publishDeadLetter: this.dependencies.publishDeadLetter,
      commit: (positions) => this.commit(positions),
      keyConcurrencyMax: config.keyConcurrencyMax,
      bufferedMessagesMax: config.bufferedMessagesMax,
      commitIntervalMs: config.commitIntervalMs,
      onFatalError: (cause) => {
        this.report('unavailable.bus_dead_letter', 'delivery stopped; refetching', { cause });
        this.notifyChange();
      },
      onError: (cause) => {
        const rebalanceError = findRebalanceError(cause);
        if (rebalanceError !== undefined) {
          this.rebalanceError ??= rebalanceError;
          this.notifyChange();
          return;
        }
        this.report('unavailable.bus_commit', 'offset commit failed; retrying', { cause });
      },
    });
  }

  private async commit(positions: readonly CommitPosition[]): Promise<void> {
    await this.consumer.commitOffsets(
      positions.map((position) => ({
        topic: position.topic,
        partition: position.partition,
        offset: position.nextOffset.toString(),
      })),
    );
    for (const position of positions) {
      this.committedNextOffsets.set(
        partitionKey(position.topic, position.partition),
        position.nextOffset,
      );
    }
    this.notifyChange();
  }

  private async consumeBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const partitionId = partitionKey(batch.topic, batch.partition);
    const firstOffset = batch.messages[0]?.offset;
    const lastPushed = this.lastPushedOffsets.get(partitionId);
    if (
      firstOffset !== undefined &&
      lastPushed !== undefined &&
      BigInt(firstOffset) <= lastPushed
    ) {
      // kafkajs went back to an earlier position than this pipeline has seen (it restarted the
      // consumer after a crash and resumed from the committed offset): start a fresh pipeline,
      // whose per-partition offsets begin again, once the old one's handlers are done.
      await this.replacePipeline(this.pipeline, { backoff: false });
    }
    const pipeline = this.pipeline;
    let lastAcceptedOffset: bigint | undefined;
    for (const message of batch.messages) {
      if (!payload.isRunning() || payload.isStale()) {
        break;
      }
      const accepted = await pipeline.push(toInboundMessage(batch.topic, batch.partition, message));
      if (!accepted) {
        break;
      }
      lastAcceptedOffset = BigInt(message.offset);
      if (pipeline === this.pipeline) {
        this.lastPushedOffsets.set(partitionId, lastAcceptedOffset);
      }
    }
    if (lastAcceptedOffset === undefined) {
      return;
    }
    const end = await this.awaitCommitted(pipeline, payload, lastAcceptedOffset + 1n);
    switch (end.kind) {
      case 'committed':
        payload.resolveOffset(lastAcceptedOffset.toString());
        return;
      case 'rebalancing':
        // The coordinator refuses commits until every member rejoined, and it waits for this
        // one: finish the running handlers (no new ones start), give the uncommitted rest up
        // (it is fetched again by whoever owns the partition next), and let kafkajs rejoin now.
        await this.replacePipeline(pipeline, { backoff: false });
        this.resolveUpToCommitted(payload, batch.topic, batch.partition);
        throw end.error;
      case 'stopping':
        return;
      case 'pipeline_failed':
      case 'timed_out':
        if (end.kind === 'timed_out') {
          this.report('timeout.bus_batch', 'batch did not finish in time; refetching', {
            params: { topic: batch.topic, partition: batch.partition },
          });
        }
        await this.replacePipeline(pipeline, { backoff: true });
        this.resolveUpToCommitted(payload, batch.topic, batch.partition);
        return;
      default:
        return end satisfies never;
    }
  }

  /**
   * Waits until the pipeline committed `targetNextOffset` for the batch's partition, keeping the
   * group membership alive with heartbeats. Bounded by `batchCompletionTimeoutMs`.
   */
  private async awaitCommitted(
    pipeline: DeliveryPipeline,
    payload: EachBatchPayload,
    targetNextOffset: bigint,
  ): Promise<BatchEnd> {
    const { topic, partition } = payload.batch;
    const { batchCompletionTimeoutMs, heartbeatIntervalMs } = this.dependencies.config;
    const deadline = Date.now() + batchCompletionTimeoutMs;
    const ticksMax = Math.ceil(batchCompletionTimeoutMs / heartbeatIntervalMs) + 1;
    for (let tick = 0; tick <= ticksMax; tick += 1) {
      const committed = this.committedNextOffsets.get(partitionKey(topic, partition));
      if (committed !== undefined && committed >= targetNextOffset) {
        return { kind: 'committed' };
      }
      if (this.stopPromise !== undefined) {
        return { kind: 'stopping' };
      }
      if (pipeline === this.pipeline && this.rebalanceError !== undefined) {
        return { kind: 'rebalancing', error: this.rebalanceError };
      }
      if (pipeline !== this.pipeline || pipeline.state !== 'running') {
        return { kind: 'pipeline_failed' };
      }
      if (Date.now() >= deadline) {
        break;
      }
      await this.waitForChange(Math.min(heartbeatIntervalMs, deadline - Date.now()));
      try {
        // Finished messages are committed by the pipeline's timer; this retries a commit that
        // failed (a broker was away) so a quiet partition does not wait for the next message.
        await pipeline.commitNow();
        await payload.heartbeat();
      } catch (error) {
        const rebalanceError = findRebalanceError(error);
        if (rebalanceError !== undefined) {
          this.rebalanceError ??= rebalanceError;
        } else {
          this.report('unavailable.bus_commit', 'offset commit or heartbeat failed; retrying', {
            cause: error,
          });
        }
      }
    }
    return { kind: 'timed_out' };
  }

  /**
   * Replaces a pipeline once (concurrent batches of the same pipeline share the work) and waits
   * for the old one's running handlers, so no handler of the old generation overlaps a
   * redelivery of the same key.
   */
  private async replacePipeline(
    failed: DeliveryPipeline,
    options: { readonly backoff: boolean },
  ): Promise<void> {
    if (this.pipeline === failed && this.stopPromise === undefined) {
      this.pipeline = this.createPipeline();
      this.lastPushedOffsets = new Map();
      this.rebalanceError = undefined;
      this.notifyChange();
    }
    try {
      await failed.drain();
    } catch (cause) {
      if (findRebalanceError(cause) === undefined) {
        this.report('unavailable.bus_commit', 'commit while replacing the pipeline failed', {
          cause,
        });
      }
    }
    if (options.backoff) {
      // Back off before fetching the same messages again, so a dead-letter topic that stays
      // unavailable does not turn into a tight refetch loop.
      const retry = this.dependencies.options.retry ?? DEFAULT_RETRY_POLICY;
      await abortableSleep(retry.backoffMaxMs, this.stopController.signal);
    }
  }

  /** After a failed batch, fetching restarts at what was committed (not at the batch start). */
  private resolveUpToCommitted(payload: EachBatchPayload, topic: string, partition: number): void {
    const committed = this.committedNextOffsets.get(partitionKey(topic, partition));
    if (committed !== undefined && committed > 0n) {
      payload.resolveOffset((committed - 1n).toString());
    }
  }

  private waitForChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      const waiters = this.changeWaiters;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      waiters.push(done);
    });
  }

  private notifyChange(): void {
    const waiters = this.changeWaiters;
    this.changeWaiters = [];
    for (const wake of waiters) {
      wake();
    }
  }

  private report(
    code: `${'unavailable' | 'timeout'}.${string}`,
    message: string,
    details: { cause?: unknown; params?: Record<string, string | number> },
  ): void {
    const { topic, groupId } = this.dependencies.options;
    this.dependencies.reportError(
      new PlatformError(code, message, {
        retryable: true,
        params: { topic, groupId, ...details.params },
        cause: details.cause,
      }),
    );
  }
}
