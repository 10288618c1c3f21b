/** A push target a customer registered (FEED-API.md POST /devices). */
export type DeviceTarget =
  | { readonly kind: 'apns'; readonly token: string }
  | { readonly kind: 'fcm'; readonly token: string }
  | {
      readonly kind: 'web_push';
      readonly subscription: {
        readonly endpoint: string;
        readonly keys: { readonly p256dh: string; readonly auth: string };
      };
    };

export interface Device {
  readonly id: string;
  readonly customerId: string;
  readonly target: DeviceTarget;
  readonly createdAt: Date;
}

export interface Webhook {
  readonly id: string;
  readonly accountId: string;
  readonly url: string;
  /** The HMAC key, handed to the customer once, when the webhook is registered. */
  readonly secret: string;
  readonly createdAt: Date;
}

/** Where one (item, target) delivery stands. `claimed` means a send may be in flight or done. */
export type DeliveryMarkerState = 'claimed' | 'sent' | 'expired' | 'abandoned';

export interface DeliveryMarkerKey {
  /** Push: the feed item id. Webhook: the feed item event id (one POST per created/updated). */
  readonly deliveryKey: string;
  /** The device or webhook id. */
  readonly targetId: string;
}

export type ClaimOutcome =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'finished'; readonly state: Exclude<DeliveryMarkerState, 'claimed'> }
  /** A holder with a newer fencing token has claimed it: this holder's lease is gone. */
  | { readonly kind: 'fenced_out' };

/**
 * Devices, webhooks and delivery markers. Errors: the store's PlatformErrors
 * (`unavailable.store`, `timeout.store`, both retryable) pass through unchanged.
 */
export interface NotificationStore {
  /** Saves a device and links each of the customer's accounts to the customer. */
  saveDevice(device: Device, accountIds: readonly string[]): Promise<void>;
  devicesOfCustomer(customerId: string): Promise<readonly Device[]>;
  /** Devices of the customer who owns the account (empty when no device was ever registered). */
  devicesOfAccount(accountId: string): Promise<readonly Device[]>;
  findDevice(deviceId: string): Promise<Device | undefined>;
  removeDevice(device: Pick<Device, 'id' | 'customerId'>): Promise<void>;

  saveWebhook(webhook: Webhook): Promise<void>;
  webhooksOfAccount(accountId: string): Promise<readonly Webhook[]>;
  findWebhook(webhookId: string): Promise<Webhook | undefined>;
  removeWebhook(webhook: Pick<Webhook, 'id' | 'accountId'>): Promise<void>;

  /**
   * Records `fencingToken` as the marker's holder by compare-and-set, unless the delivery is
   * already finished or a newer token already holds it.
   */
  claimDelivery(key: DeliveryMarkerKey, fencingToken: bigint): Promise<ClaimOutcome>;
  /**
   * Writes the final state only while `fencingToken` still holds the marker (compare-and-set on
   * the token). Returns false when a successor holds it: the write is refused.
   */
  finishDelivery(
    key: DeliveryMarkerKey,
    fencingToken: bigint,
    state: Exclude<DeliveryMarkerState, 'claimed'>,
  ): Promise<boolean>;
}

export const NOTIFICATION_STORE = Symbol('NOTIFICATION_STORE');
