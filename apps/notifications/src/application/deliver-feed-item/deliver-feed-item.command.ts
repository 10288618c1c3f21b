/** Bounds and timings of one feed item's deliveries; all come from config.ts. */
export interface DeliverySettings {
  /** A push older than this (from the feed item event's occurredAt) is dropped, not sent late. */
  readonly pushTtlMs: number;
  /** Provider attempts per push target inside one delivery of the event. */
  readonly pushAttemptsMax: number;
  /** Webhook POST attempts per endpoint (Mondo's number is 5). */
  readonly webhookAttemptsMax: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /** Lease of the per-(delivery, target) lock; renewed in the background while held. */
  readonly lockTtlMs: number;
  readonly lockWaitTimeoutMs: number;
}

export const DELIVERY_SETTINGS = Symbol('DELIVERY_SETTINGS');

/** How one target's delivery ended this time. */
export type TargetResult =
  'sent' | 'already_finished' | 'expired' | 'unregistered' | 'rejected' | 'gave_up';

export interface DeliveryReport {
  readonly itemId: string;
  readonly results: readonly {
    readonly channel: 'push' | 'webhook';
    readonly targetId: string;
    readonly result: TargetResult;
    readonly reason?: string;
  }[];
}
