import type { PushNotification } from '../domain/push-content';
import type { DeviceTarget } from './notification-store.port';

/** One webhook POST: `{type, data}` signed with the webhook's secret. */
export interface WebhookMessage {
  /** The feed item event id; sent as the idempotency header so receivers can deduplicate. */
  readonly eventId: string;
  readonly type: 'transaction.created' | 'transaction.updated';
  readonly data: Readonly<Record<string, unknown>>;
}

export type DeliveryRequest =
  | {
      readonly channel: 'push';
      readonly target: DeviceTarget;
      readonly notification: PushNotification;
    }
  | {
      readonly channel: 'webhook';
      readonly url: string;
      readonly secret: string;
      readonly message: WebhookMessage;
    };

/**
 * What the provider answered. `retryable`: try again later (429, 5xx, network, expired auth
 * token); `rejected`: this request will never be accepted (bad token, bad payload); `unregistered`:
 * the target is gone for good (APNs 410, FCM UNREGISTERED, Web Push 404/410) and is removed.
 */
export type DeliveryOutcome =
  | { readonly kind: 'accepted' }
  | { readonly kind: 'retryable'; readonly reason: string; readonly retryAfterMs?: number }
  | { readonly kind: 'rejected'; readonly reason: string }
  | { readonly kind: 'unregistered'; readonly reason: string };

/**
 * Every provider (APNs, FCM, Web Push, webhooks) sits behind this port. `deliver` never throws
 * for a provider's answer or a network failure: those are outcomes. It throws only
 * PlatformError `invalid.provider_config` when the provider for the target is not configured.
 */
export interface DeliveryProvider {
  deliver(request: DeliveryRequest): Promise<DeliveryOutcome>;
}

export const DELIVERY_PROVIDER = Symbol('DELIVERY_PROVIDER');
