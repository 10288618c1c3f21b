import { signWebhookBody, WEBHOOK_SIGNATURE_HEADER } from '../domain/webhook-signature';
import type { DeliveryOutcome, WebhookMessage } from '../ports/delivery-provider.port';

/** Sent with each POST so a receiver can drop a redelivery it already processed. */
export const WEBHOOK_EVENT_ID_HEADER = 'corebank-event-id';

/** One signed POST of `{type, data}`; any 2xx is acceptance, everything else is retried. */
export class WebhookSender {
  constructor(
    private readonly requestTimeoutMs: number,
    private readonly nowMs: () => number,
  ) {}

  async send(url: string, secret: string, message: WebhookMessage): Promise<DeliveryOutcome> {
    const body = JSON.stringify({ type: message.type, data: message.data });
    const timestampSeconds = Math.floor(this.nowMs() / 1000);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [WEBHOOK_SIGNATURE_HEADER]: signWebhookBody(secret, timestampSeconds, body),
          [WEBHOOK_EVENT_ID_HEADER]: message.eventId,
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.requestTimeoutMs),
      });
      await response.arrayBuffer();
      return response.status >= 200 && response.status < 300
        ? { kind: 'accepted' }
        : { kind: 'retryable', reason: `status ${response.status}` };
    } catch (error) {
      return { kind: 'retryable', reason: `network: ${String(error)}` };
    }
  }
}
