import type { Clock } from '@corebank/platform-clock';
import { PlatformError } from '@corebank/platform-errors';
import type { DistributedLocks } from '@corebank/platform-locks';

import { fullJitterBackoffMs } from '../../domain/backoff';
import type { FeedItemEvent } from '../../domain/feed-item-event';
import { pushNotificationFor } from '../../domain/push-content';
import type {
  DeliveryOutcome,
  DeliveryProvider,
  DeliveryRequest,
} from '../../ports/delivery-provider.port';
import type { DeliveryMarkerKey, NotificationStore } from '../../ports/notification-store.port';
import type { DeliveryReport, DeliverySettings, TargetResult } from './deliver-feed-item.command';

export interface DeliveryRandomness {
  /** Uniform in [0, 1): the jitter source. */
  readonly random: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export const realRandomness: DeliveryRandomness = {
  random: Math.random,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

interface TargetDelivery {
  readonly channel: 'push' | 'webhook';
  readonly marker: DeliveryMarkerKey;
  readonly request: DeliveryRequest;
  readonly attemptsMax: number;
  /** Push only: after this the notification is dropped. */
  readonly expiresAtMs?: number;
  readonly onUnregistered: () => Promise<void>;
}

function fencedOut(marker: DeliveryMarkerKey): PlatformError {
  return new PlatformError(
    'conflict.delivery_fenced_out',
    'a newer lock holder owns this delivery marker',
    { retryable: true, params: { deliveryKey: marker.deliveryKey, targetId: marker.targetId } },
  );
}

/**
 * Delivers one feed item event: a push to each device of the account's customer (at most one
 * per item and device, ever) and a signed POST to each webhook of the account (one per event
 * and endpoint). Each target runs inside its own distributed lock with a marker claimed and
 * finished by compare-and-set on the lock's fencing token, so duplicates, concurrent consumers
 * and a restarted crashed consumer never send a second time once a send was recorded.
 *
 * Throws (all retryable, so the bus redelivers the event): the store's `unavailable.store` /
 * `timeout.store`, the locks' `timeout.lock_wait` / `unavailable.lock_engine` /
 * `conflict.lock_lost`, and `conflict.delivery_fenced_out` when a successor took the marker.
 * Provider failures are not thrown: they end as a TargetResult.
 */
export class DeliverFeedItemUseCase {
  constructor(
    private readonly store: NotificationStore,
    private readonly locks: DistributedLocks,
    private readonly provider: DeliveryProvider,
    private readonly clock: Clock,
    private readonly settings: DeliverySettings,
    private readonly randomness: DeliveryRandomness = realRandomness,
  ) {}

  async execute(event: FeedItemEvent): Promise<DeliveryReport> {
    const [devices, webhooks] = await Promise.all([
      this.store.devicesOfAccount(event.accountId),
      this.store.webhooksOfAccount(event.accountId),
    ]);
    const notification = pushNotificationFor(event, this.settings.pushTtlMs);
    const deliveries: TargetDelivery[] = [
      ...devices.map((device): TargetDelivery => ({
        channel: 'push',
        marker: { deliveryKey: `item:${event.itemId}`, targetId: device.id },
        request: { channel: 'push', target: device.target, notification },
        attemptsMax: this.settings.pushAttemptsMax,
        expiresAtMs: notification.expiresAtMs,
        onUnregistered: () => this.store.removeDevice(device),
      })),
      ...webhooks.map((webhook): TargetDelivery => ({
        channel: 'webhook',
        marker: { deliveryKey: `event:${event.eventId}`, targetId: webhook.id },
        request: {
          channel: 'webhook',
          url: webhook.url,
          secret: webhook.secret,
          message: {
            eventId: event.eventId,
            type: event.kind === 'created' ? 'transaction.created' : 'transaction.updated',
            data: event.transactionJson,
          },
        },
        attemptsMax: this.settings.webhookAttemptsMax,
        // Webhooks go to servers, not phones: a late one is still wanted.
        onUnregistered: () => Promise.resolve(),
      })),
    ];
    // One target at a time, pushes first: a crash then leaves at most one send without its
    // marker (the one in flight), which the provider's collapse id covers, and a slow webhook's
    // retries never hold back a push. Fan-out is bounded by the registration limits.
    const results: DeliveryReport['results'][number][] = [];
    for (const delivery of deliveries) {
      const outcome = await this.deliverOne(delivery);
      results.push({ channel: delivery.channel, targetId: delivery.marker.targetId, ...outcome });
    }
    return { itemId: event.itemId, results };
  }

  private deliverOne(delivery: TargetDelivery): Promise<{ result: TargetResult; reason?: string }> {
    const lockKey = `notifications/delivery/${delivery.marker.deliveryKey}/${delivery.marker.targetId}`;
    return this.locks.withLock(
      lockKey,
      { ttlMs: this.settings.lockTtlMs, waitTimeoutMs: this.settings.lockWaitTimeoutMs },
      async (lock) => {
        const claim = await this.store.claimDelivery(delivery.marker, lock.fencingToken);
        switch (claim.kind) {
          case 'finished':
            return { result: 'already_finished', reason: claim.state };
          case 'fenced_out':
            throw fencedOut(delivery.marker);
          case 'claimed':
            break;
        }
        const finish = async (
          state: 'sent' | 'expired' | 'abandoned',
          result: TargetResult,
          reason?: string,
        ): Promise<{ result: TargetResult; reason?: string }> => {
          if (!(await this.store.finishDelivery(delivery.marker, lock.fencingToken, state))) {
            throw fencedOut(delivery.marker);
          }
          return reason === undefined ? { result } : { result, reason };
        };
        let lastOutcome: DeliveryOutcome | undefined;
        for (let attempt = 1; attempt <= delivery.attemptsMax; attempt += 1) {
          if (delivery.expiresAtMs !== undefined && this.clock.nowMs() >= delivery.expiresAtMs) {
            return finish('expired', 'expired');
          }
          if (lock.lost.aborted) {
            throw lock.lost.reason;
          }
          lastOutcome = await this.provider.deliver(delivery.request);
          switch (lastOutcome.kind) {
            case 'accepted':
              return finish('sent', 'sent');
            case 'unregistered':
              await delivery.onUnregistered();
              return finish('abandoned', 'unregistered', lastOutcome.reason);
            case 'rejected':
              return finish('abandoned', 'rejected', lastOutcome.reason);
            case 'retryable':
              break;
          }
          if (attempt < delivery.attemptsMax) {
            await this.randomness.sleep(this.waitBeforeRetryMs(attempt, lastOutcome, delivery));
          }
        }
        return finish(
          'abandoned',
          'gave_up',
          lastOutcome?.kind === 'retryable' ? lastOutcome.reason : undefined,
        );
      },
    );
  }

  private waitBeforeRetryMs(
    attempt: number,
    outcome: Extract<DeliveryOutcome, { kind: 'retryable' }>,
    delivery: TargetDelivery,
  ): number {
    const jitteredMs = fullJitterBackoffMs(
      attempt,
      this.settings.backoffInitialMs,
      this.settings.backoffMaxMs,
      this.randomness.random,
    );
    const waitMs = Math.min(
      Math.max(jitteredMs, outcome.retryAfterMs ?? 0),
      this.settings.backoffMaxMs,
    );
    // Never sleep past the push's expiry: wake at it, and the loop drops the notification.
    return delivery.expiresAtMs === undefined
      ? waitMs
      : Math.max(0, Math.min(waitMs, delivery.expiresAtMs - this.clock.nowMs()));
  }
}
