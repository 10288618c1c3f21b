import assert from 'node:assert';

import { PlatformError } from '@corebank/platform-errors';

import type { EventHandler, RetryPolicy } from '../event-bus.port';
import { validateRetryPolicy } from './backoff';
import { deliverMessage, type DeliveryOutcome } from './deliver-message';
import type { CommitPosition, InboundMessage, OutboundMessage } from './messages';

export interface DeliveryPipelineOptions {
  readonly handler: EventHandler;
  readonly retry: RetryPolicy;
  readonly deadLetterTopic: string;
  /** Resolves once the message is durably stored on the dead-letter topic. */
  readonly publishDeadLetter: (topic: string, message: OutboundMessage) => Promise<void>;
  /** Durably stores the group's positions; called only with partitions whose position moved. */
  readonly commit: (positions: readonly CommitPosition[]) => Promise<void>;
  /** Keys that may have a handler running at the same time (different keys only). */
  readonly keyConcurrencyMax: number;
  /** Messages accepted but not yet done; `push` waits while the pipeline holds this many. */
  readonly bufferedMessagesMax: number;
  /** Commits are batched: at most one commit per interval while messages complete. */
  readonly commitIntervalMs: number;
  /**
   * Called once when the pipeline cannot go on (a dead-letter publish failed every try). The
   * adapter then drains the pipeline and resumes from the committed position in a new one.
   */
  readonly onFatalError: (error: unknown) => void;
  /** Non-fatal problems, such as a periodic commit that failed (the next one retries it). */
  readonly onError?: (error: unknown) => void;
  /** Uniform [0, 1) source for backoff jitter; injectable for deterministic tests. */
  readonly random?: () => number;
}

/** Pause before retrying a failed periodic commit. */
const COMMIT_RETRY_DELAY_MS = 1_000;

export type DeliveryPipelineState = 'running' | 'draining' | 'failed' | 'drained';

/**
 * A FIFO with a moving head so dequeuing stays O(1) without `Array.shift` on long queues.
 */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) {
      return undefined;
    }
    const item = this.items[this.head];
    this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

/** Offsets of one partition, from accepted to committable. */
interface PartitionProgress {
  readonly topic: string;
  readonly partition: number;
  /** Accepted offsets in increasing order, not yet part of the contiguous done prefix. */
  readonly outstanding: Fifo<bigint>;
  readonly doneOffsets: Set<bigint>;
  lastAcceptedOffset: bigint | undefined;
  /** The offset after the longest done prefix: what may be committed. */
  completedNext: bigint | undefined;
  committedNext: bigint | undefined;
}

/** The messages of one key in one partition, handled strictly one after the other. */
interface KeyLane {
  readonly id: string;
  readonly messages: Fifo<InboundMessage>;
  /** True while a handler runs for this lane or the lane waits in the ready queue. */
  scheduled: boolean;
}

function partitionId(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/**
 * The delivery logic shared by every bus adapter. The adapter fetches messages partition by
 * partition in offset order and `push`es them; the pipeline:
 *
 * 1. runs the handler with retries, backoff and dead-lettering (deliverMessage);
 * 2. keeps per-key order: the messages of one key (within a partition) are handled strictly one
 *    after another, while up to `keyConcurrencyMax` different keys run concurrently;
 * 3. commits at-least-once: a partition's position only advances over a contiguous prefix of
 *    done offsets (handled, or durably dead-lettered), so a crash never skips a message that a
 *    slower key has not finished; later messages of faster keys are then delivered again;
 * 4. drains: `drain()` stops accepting, cancels pending retry backoffs (those messages are not
 *    committed and come back after a restart), waits for running handlers, then commits.
 *
 * Memory is bounded by `bufferedMessagesMax` (push waits for room).
 */
export class DeliveryPipeline {
  private readonly partitions = new Map<string, PartitionProgress>();
  private readonly lanes = new Map<string, KeyLane>();
  private readonly readyLanes = new Fifo<KeyLane>();
  private readonly abortController = new AbortController();
  private readonly spaceWaiters: Array<() => void> = [];
  private readonly idleWaiters: Array<() => void> = [];
  private readonly retry: RetryPolicy;
  private readonly random: () => number;
  private currentState: DeliveryPipelineState = 'running';
  private bufferedCount = 0;
  private activeCount = 0;
  private commitTimer: NodeJS.Timeout | undefined;
  private commitChain: Promise<void> = Promise.resolve();
  private drainPromise: Promise<void> | undefined;

  constructor(private readonly options: DeliveryPipelineOptions) {
    this.retry = validateRetryPolicy(options.retry);
    if (!Number.isInteger(options.keyConcurrencyMax) || options.keyConcurrencyMax < 1) {
      throw new PlatformError('invalid.delivery_options', 'keyConcurrencyMax must be >= 1', {
        retryable: false,
      });
    }
    if (!Number.isInteger(options.bufferedMessagesMax) || options.bufferedMessagesMax < 1) {
      throw new PlatformError('invalid.delivery_options', 'bufferedMessagesMax must be >= 1', {
        retryable: false,
      });
    }
    this.random = options.random ?? Math.random;
  }

  get state(): DeliveryPipelineState {
    return this.currentState;
  }

  /** Messages accepted and not yet done (running, waiting for their key, or backing off). */
  get bufferedMessages(): number {
    return this.bufferedCount;
  }

  /**
   * Accepts the next message of its partition (offsets must increase per partition). Waits while
   * the pipeline is full. Resolves false when the pipeline stopped accepting (draining or
   * failed): the adapter must stop fetching; that message will be delivered again later.
   */
  async push(message: InboundMessage): Promise<boolean> {
    while (
      this.currentState === 'running' &&
      this.bufferedCount >= this.options.bufferedMessagesMax
    ) {
      await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
    }
    if (this.currentState !== 'running') {
      return false;
    }
    const progress = this.progressOf(message.topic, message.partition);
    assert(
      progress.lastAcceptedOffset === undefined || message.offset > progress.lastAcceptedOffset,
      `offsets must increase per partition: ${message.offset} after ${progress.lastAcceptedOffset}`,
    );
    progress.lastAcceptedOffset = message.offset;
    progress.outstanding.push(message.offset);
    this.bufferedCount += 1;

    const laneId = `${message.topic}\u0000${message.partition}\u0000${message.key ?? ''}`;
    let lane = this.lanes.get(laneId);
    if (lane === undefined) {
      lane = { id: laneId, messages: new Fifo(), scheduled: false };
      this.lanes.set(laneId, lane);
    }
    lane.messages.push(message);
    if (!lane.scheduled) {
      lane.scheduled = true;
      this.readyLanes.push(lane);
    }
    this.pump();
    return true;
  }

  /**
   * Resumes from a known committed position (the adapter read it when the partition was
   * assigned), so the first commit after a restart is skipped when nothing moved.
   */
  seedCommitted(position: CommitPosition): void {
    const progress = this.progressOf(position.topic, position.partition);
    progress.committedNext = position.nextOffset;
  }

  /** Positions that were durably committed by this pipeline (or seeded). */
  committedPositions(): CommitPosition[] {
    const positions: CommitPosition[] = [];
    for (const progress of this.partitions.values()) {
      if (progress.committedNext !== undefined) {
        positions.push({
          topic: progress.topic,
          partition: progress.partition,
          nextOffset: progress.committedNext,
        });
      }
    }
    return positions;
  }

  /**
   * Commits every partition whose done prefix moved. Concurrent calls are serialised.
   * Throws whatever the adapter's `commit` throws (nothing is marked committed then).
   */
  commitNow(): Promise<void> {
    const next = this.commitChain.then(() => this.commitOnce());
    this.commitChain = next.catch(() => undefined);
    return next;
  }

  /**
   * Graceful drain: stop accepting, cancel retry backoffs, wait for running handlers, commit.
   * Idempotent. Throws when the final commit fails (the uncommitted messages are redelivered).
   */
  drain(): Promise<void> {
    this.drainPromise ??= this.drainOnce();
    return this.drainPromise;
  }

  private async drainOnce(): Promise<void> {
    if (this.currentState === 'running') {
      this.currentState = 'draining';
    }
    this.abortController.abort();
    this.releaseSpaceWaiters();
    this.readyLanes.clear();
    if (this.activeCount > 0) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
    if (this.commitTimer !== undefined) {
      clearTimeout(this.commitTimer);
      this.commitTimer = undefined;
    }
    try {
      await this.commitNow();
    } finally {
      this.currentState = 'drained';
    }
  }

  private progressOf(topic: string, partition: number): PartitionProgress {
    const id = partitionId(topic, partition);
    let progress = this.partitions.get(id);
    if (progress === undefined) {
      progress = {
        topic,
        partition,
        outstanding: new Fifo(),
        doneOffsets: new Set(),
        lastAcceptedOffset: undefined,
        completedNext: undefined,
        committedNext: undefined,
      };
      this.partitions.set(id, progress);
    }
    return progress;
  }

  private pump(): void {
    while (this.currentState === 'running' && this.activeCount < this.options.keyConcurrencyMax) {
      const lane = this.readyLanes.shift();
      if (lane === undefined) {
        return;
      }
      const message = lane.messages.shift();
      if (message === undefined) {
        lane.scheduled = false;
        this.lanes.delete(lane.id);
        continue;
      }
      this.activeCount += 1;
      void this.run(lane, message);
    }
  }

  private async run(lane: KeyLane, message: InboundMessage): Promise<void> {
    let outcome: DeliveryOutcome | undefined;
    try {
      outcome = await deliverMessage(message, {
        handler: this.options.handler,
        retry: this.retry,
        deadLetterTopic: this.options.deadLetterTopic,
        publishDeadLetter: this.options.publishDeadLetter,
        signal: this.abortController.signal,
        random: this.random,
      });
    } catch (error) {
      this.fail(error);
    }
    this.activeCount -= 1;
    if (outcome !== undefined && outcome.kind !== 'abandoned') {
      this.markDone(message);
      if (lane.messages.size > 0 && this.currentState === 'running') {
        this.readyLanes.push(lane);
      } else {
        lane.scheduled = false;
        if (lane.messages.size === 0) {
          this.lanes.delete(lane.id);
        }
      }
    }
    if (this.activeCount === 0) {
      this.idleWaiters.splice(0).forEach((resolve) => resolve());
    }
    this.pump();
  }

  private markDone(message: InboundMessage): void {
    const progress = this.progressOf(message.topic, message.partition);
    progress.doneOffsets.add(message.offset);
    for (;;) {
      const lowest = progress.outstanding.peek();
      if (lowest === undefined || !progress.doneOffsets.has(lowest)) {
        break;
      }
      progress.outstanding.shift();
      progress.doneOffsets.delete(lowest);
      progress.completedNext = lowest + 1n;
    }
    this.bufferedCount -= 1;
    this.spaceWaiters.shift()?.();
    this.scheduleCommit();
  }

  private scheduleCommit(delayMs = this.options.commitIntervalMs): void {
    // While draining, drain() makes the final commit itself; a timer could fire after it.
    if (
      this.commitTimer !== undefined ||
      this.currentState === 'draining' ||
      this.currentState === 'drained'
    ) {
      return;
    }
    this.commitTimer = setTimeout(() => {
      this.commitTimer = undefined;
      this.commitNow().catch((error: unknown) => {
        this.options.onError?.(error);
        // Retry even if no further message completes (a quiet partition), but slowly: the
        // engine is likely unavailable. drain() ends the retries.
        this.scheduleCommit(Math.max(this.options.commitIntervalMs, COMMIT_RETRY_DELAY_MS));
      });
    }, delayMs);
  }

  private async commitOnce(): Promise<void> {
    const moved: CommitPosition[] = [];
    for (const progress of this.partitions.values()) {
      if (
        progress.completedNext !== undefined &&
        progress.completedNext !== progress.committedNext
      ) {
        moved.push({
          topic: progress.topic,
          partition: progress.partition,
          nextOffset: progress.completedNext,
        });
      }
    }
    if (moved.length === 0) {
      return;
    }
    await this.options.commit(moved);
    for (const position of moved) {
      this.progressOf(position.topic, position.partition).committedNext = position.nextOffset;
    }
  }

  private fail(error: unknown): void {
    if (this.currentState !== 'running') {
      this.options.onError?.(error);
      return;
    }
    this.currentState = 'failed';
    this.abortController.abort();
    this.releaseSpaceWaiters();
    this.options.onFatalError(error);
  }

  private releaseSpaceWaiters(): void {
    this.spaceWaiters.splice(0).forEach((resolve) => resolve());
  }
}
