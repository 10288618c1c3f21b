import { Agent } from 'node:https';

import { sendNotification, WebPushError } from 'web-push';

import type { PushNotification } from '../domain/push-content';
import type { DeliveryOutcome } from '../ports/delivery-provider.port';

export interface WebPushSettings {
  /** `mailto:` or https contact the push service may use (RFC 8292). */
  readonly subject: string;
  readonly vapidPublicKey: string;
  readonly vapidPrivateKey: string;
  readonly requestTimeoutMs: number;
  /** Extra trusted CA (PEM) for a private test push service; production uses the system roots. */
  readonly caPem?: string;
}

export interface WebPushSubscription {
  readonly endpoint: string;
  readonly keys: { readonly p256dh: string; readonly auth: string };
}

/** RFC 8030 Topic: at most 32 URL-safe base64 characters; the item id is hashed down to it. */
function topicFor(collapseId: string): string {
  return Buffer.from(collapseId).toString('base64url').slice(-32);
}

/** Web Push (RFC 8030/8291/8292) through the web-push library, VAPID-signed. */
export class WebPushProvider {
  private readonly agent: Agent | undefined;

  constructor(
    private readonly settings: WebPushSettings,
    private readonly nowMs: () => number,
  ) {
    this.agent = settings.caPem === undefined ? undefined : new Agent({ ca: settings.caPem });
  }

  async send(
    subscription: WebPushSubscription,
    notification: PushNotification,
  ): Promise<DeliveryOutcome> {
    const ttlSeconds = Math.max(0, Math.floor((notification.expiresAtMs - this.nowMs()) / 1000));
    try {
      await sendNotification(
        { endpoint: subscription.endpoint, keys: { ...subscription.keys } },
        JSON.stringify({
          title: notification.title,
          body: notification.body,
          item_id: notification.itemId,
        }),
        {
          TTL: ttlSeconds,
          topic: topicFor(notification.collapseId),
          urgency: 'high',
          timeout: this.settings.requestTimeoutMs,
          ...(this.agent === undefined ? {} : { agent: this.agent }),
          vapidDetails: {
            subject: this.settings.subject,
            publicKey: this.settings.vapidPublicKey,
            privateKey: this.settings.vapidPrivateKey,
          },
        },
      );
      return { kind: 'accepted' };
    } catch (error) {
      if (!(error instanceof WebPushError)) {
        return { kind: 'retryable', reason: `network: ${String(error)}` };
      }
      const reason = `status ${error.statusCode}`;
      if (error.statusCode === 404 || error.statusCode === 410) {
        return { kind: 'unregistered', reason };
      }
      if (error.statusCode === 429 || error.statusCode >= 500) {
        return { kind: 'retryable', reason };
      }
      return { kind: 'rejected', reason };
    }
  }
}
