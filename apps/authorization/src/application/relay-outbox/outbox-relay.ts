import type { EventBus } from '@corebank/platform-event-bus';

import type { AuthorizationStore } from '../../ports/authorization-store.port';

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
 * even if the process dies right after the commit). Delivery is at-least-once: a crash between
 * publish and delete republishes the entry, and consumers deduplicate on the envelope id. A
 * shard is published in entry order and stops at its first failure, so one account's events
 * are never reordered.
 *
 * Errors: PlatformError `unavailable.bus` / `unavailable.store` (retryable) from `drain`.
 */
export class OutboxRelay {
  constructor(
    private readonly store: AuthorizationStore,
    private readonly bus: EventBus,
    private readonly settings: OutboxRelaySettings,
  ) {}

  async drain(): Promise<OutboxRelayReport> {
    let published = 0;
    for (let round = 0; round < this.settings.roundsMax; round += 1) {
      let publishedThisRound = 0;
      for (let shard = 0; shard < this.settings.shardCount; shard += 1) {
        publishedThisRound += await this.drainShard(shard);
      }
      published += publishedThisRound;
      if (publishedThisRound === 0) {
        break;
      }
    }
    return { published };
  }

  private async drainShard(shard: number): Promise<number> {
    const entries = await this.store.listOutbox(shard, this.settings.batchSizeMax);
    if (entries.length === 0) {
      return 0;
    }
    const byTopic = new Map<string, typeof entries>();
    for (const entry of entries) {
      byTopic.set(entry.topic, [...(byTopic.get(entry.topic) ?? []), entry]);
    }
    for (const [topic, topicEntries] of byTopic) {
      await this.bus.publish(
        topic,
        topicEntries.map((entry) => entry.envelope),
      );
    }
    await this.store.deleteOutbox(entries);
    return entries.length;
  }
}

/**
 * Runs the relay every `intervalMs` until stopped; a failed round is logged by the caller's
 * `onError` and retried on the next tick (the interval bounds the retry rate).
 */
export class OutboxRelayLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly relay: OutboxRelay,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.running === undefined) {
        this.running = this.relay
          .drain()
          .then(() => undefined)
          .catch(this.onError)
          .finally(() => {
            this.running = undefined;
          });
      }
    }, this.intervalMs);
  }

  /** Stops the timer and waits for a round in progress, then drains once more. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    await this.running;
    await this.relay.drain().catch(this.onError);
  }
}
