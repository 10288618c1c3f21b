import type { EventBus } from '@corebank/platform-event-bus';

import type { AuthorizationStore, OutboxEntry } from '../../ports/authorization-store.port';

export interface OutboxRelaySettings {
  readonly shardCount: number;
  /** Entries read and published per shard per round. */
  readonly batchSizeMax: number;
  /** Rounds per `drain()` call, so one call always ends. */
  readonly roundsMax: number;
}

export interface OutboxRelayReport {
  readonly published: number;
}

/**
 * Publishes outbox entries and then deletes them (ARCHITECTURE §5: the event reaches the bus
 * even if the process dies right after the commit). Delivery is at-least-once: a crash or a
 * failed publish between publish and delete republishes the entries, and consumers deduplicate
 * on the envelope id. A round reads the asked shards, publishes all their entries with one call
 * per topic (each shard's entries in entry order, so one account's events are never reordered)
 * and deletes them in one batch: one bus write and one store write per round, not per shard.
 *
 * Errors: PlatformError `unavailable.bus` / `unavailable.store` (retryable) from `drain`; the
 * round's entries then all stay for a later round.
 */
export class OutboxRelay {
  private readonly allShards: readonly number[];

  constructor(
    private readonly store: AuthorizationStore,
    private readonly bus: EventBus,
    private readonly settings: OutboxRelaySettings,
  ) {
    this.allShards = Array.from({ length: settings.shardCount }, (_unused, shard) => shard);
  }

  /** Drains every shard, in at most `roundsMax` rounds. */
  async drain(): Promise<OutboxRelayReport> {
    const { published } = await this.drainShards(this.allShards);
    return { published };
  }

  /**
   * Drains `shards`; a shard that filled its batch is read again next round. `unfinished`: shards
   * that still had a full batch when `roundsMax` ran out.
   */
  async drainShards(
    shards: Iterable<number>,
  ): Promise<{ readonly published: number; readonly unfinished: readonly number[] }> {
    let published = 0;
    let pending = [...shards];
    for (let round = 0; round < this.settings.roundsMax && pending.length > 0; round += 1) {
      const entries: OutboxEntry[] = [];
      const full: number[] = [];
      for (const shard of pending) {
        const shardEntries = await this.store.listOutbox(shard, this.settings.batchSizeMax);
        entries.push(...shardEntries);
        if (shardEntries.length >= this.settings.batchSizeMax) {
          full.push(shard);
        }
      }
      if (entries.length === 0) {
        pending = [];
        break;
      }
      await this.publish(entries);
      await this.store.deleteOutbox(entries);
      published += entries.length;
      pending = full;
    }
    return { published, unfinished: pending };
  }

  private async publish(entries: readonly OutboxEntry[]): Promise<void> {
    const byTopic = new Map<string, OutboxEntry['envelope'][]>();
    for (const entry of entries) {
      const envelopes = byTopic.get(entry.topic);
      if (envelopes === undefined) {
        byTopic.set(entry.topic, [entry.envelope]);
      } else {
        envelopes.push(entry.envelope);
      }
    }
    for (const [topic, envelopes] of byTopic) {
      await this.bus.publish(topic, envelopes);
    }
  }
}

/**
 * Which outbox shards this process wrote since the relay last looked: the store adapter marks
 * them after each commit, the relay loop takes them. Lets the relay skip idle rounds and read
 * only the shards that changed, instead of scanning every shard on every tick.
 */
export class OutboxSignal {
  private dirty = new Set<number>();
  private listener: (() => void) | undefined;

  /** `listener` runs after each commit's mark, so the relay can start a round at once. */
  onWritten(listener: (() => void) | undefined): void {
    this.listener = listener;
  }

  markWritten(shards: Iterable<number>): void {
    for (const shard of shards) {
      this.dirty.add(shard);
    }
    this.listener?.();
  }

  /** Marks shards for a later round without waking the relay (a failed round's retry waits). */
  markForLater(shards: Iterable<number>): void {
    for (const shard of shards) {
      this.dirty.add(shard);
    }
  }

  hasPending(): boolean {
    return this.dirty.size > 0;
  }

  /** The shards written since the last call (and forgets them). */
  take(): ReadonlySet<number> {
    const taken = this.dirty;
    this.dirty = new Set();
    return taken;
  }
}

export interface OutboxRelayLoopOptions {
  readonly shardCount: number;
  /**
   * How often the loop looks at the signal without being woken: the retry pace after a failed
   * round. A local commit wakes the loop at once, so an event does not wait for this interval.
   */
  readonly intervalMs: number;
  /**
   * How often every shard is read even without a local commit: entries left by a crash, a failed
   * round (its shards are re-marked), or another replica that died before relaying.
   */
  readonly sweepIntervalMs: number;
}

/**
 * Runs the relay: a local commit wakes it on the next turn of the event loop (commits of the same
 * turn share one round; commits during a round get the round after it), every `intervalMs` it
 * drains whatever is still marked, and every `sweepIntervalMs` all shards. A failed round is
 * logged by the caller's `onError` and its shards are retried on the next tick only (the interval
 * bounds the retry rate, so a bus outage does not spin). At most one round runs at a time.
 */
export class OutboxRelayLoop {
  private timer: NodeJS.Timeout | undefined;
  private wakeUp: NodeJS.Immediate | undefined;
  private running: Promise<void> | undefined;
  private lastRoundFailed = false;
  private lastSweepMs = Number.NEGATIVE_INFINITY;
  private readonly allShards: readonly number[];

  constructor(
    private readonly relay: OutboxRelay,
    private readonly signal: OutboxSignal,
    private readonly options: OutboxRelayLoopOptions,
    private readonly onError: (error: unknown) => void,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    this.allShards = Array.from({ length: options.shardCount }, (_unused, shard) => shard);
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.signal.onWritten(() => this.wake());
  }

  private wake(): void {
    if (this.timer === undefined || this.wakeUp !== undefined || this.running !== undefined) {
      return;
    }
    this.wakeUp = setImmediate(() => {
      this.wakeUp = undefined;
      this.tick();
    });
  }

  /** Stops the timer and waits for a round in progress, then drains every shard once more. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    this.signal.onWritten(undefined);
    if (this.wakeUp !== undefined) {
      clearImmediate(this.wakeUp);
      this.wakeUp = undefined;
    }
    await this.running;
    await this.relay.drain().catch(this.onError);
  }

  private tick(): void {
    if (this.running !== undefined) {
      return;
    }
    const nowMs = this.nowMs();
    const sweep = nowMs - this.lastSweepMs >= this.options.sweepIntervalMs;
    const shards = this.signal.take();
    if (!sweep && shards.size === 0) {
      return;
    }
    if (sweep) {
      this.lastSweepMs = nowMs;
    }
    this.running = this.relay
      .drainShards(sweep ? this.allShards : shards)
      .then((report) => {
        this.lastRoundFailed = false;
        this.signal.markForLater(report.unfinished);
      })
      .catch((error: unknown) => {
        // Nothing of the round was deleted: look at the same shards again on the next tick.
        this.lastRoundFailed = true;
        this.signal.markForLater(shards);
        if (sweep) {
          this.lastSweepMs = Number.NEGATIVE_INFINITY;
        }
        this.onError(error);
      })
      .finally(() => {
        this.running = undefined;
        // Commits made during the round are relayed now, unless the bus just failed.
        if (!this.lastRoundFailed && this.signal.hasPending()) {
          this.wake();
        }
      });
  }
}
