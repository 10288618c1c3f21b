import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header every webhook POST carries: `t=<unix seconds>,v1=<hex HMAC-SHA256>` (Stripe-style). */
export const WEBHOOK_SIGNATURE_HEADER = 'corebank-signature';

function hmacHex(secret: string, timestampSeconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
}

/** Signs `timestamp.body`, so a replayed body with a new timestamp does not verify. */
export function signWebhookBody(secret: string, timestampSeconds: number, body: string): string {
  return `t=${timestampSeconds},v1=${hmacHex(secret, timestampSeconds, body)}`;
}

export type WebhookSignatureCheck =
  | { readonly kind: 'valid'; readonly timestampSeconds: number }
  | { readonly kind: 'invalid'; readonly reason: 'malformed' | 'mismatch' | 'too_old' };

/**
 * What a receiver does (and what our tests' receiver does): recompute the HMAC over the header's
 * timestamp and the raw body, compare in constant time, and refuse timestamps outside the window.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string,
  body: string,
  nowSeconds: number,
  toleranceSeconds: number,
): WebhookSignatureCheck {
  const match = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header);
  if (match === null) {
    return { kind: 'invalid', reason: 'malformed' };
  }
  const timestampSeconds = Number(match[1]);
  const expected = Buffer.from(hmacHex(secret, timestampSeconds, body), 'hex');
  const given = Buffer.from(match[2] ?? '', 'hex');
  if (!timingSafeEqual(expected, given)) {
    return { kind: 'invalid', reason: 'mismatch' };
  }
  if (Math.abs(nowSeconds - timestampSeconds) > toleranceSeconds) {
    return { kind: 'invalid', reason: 'too_old' };
  }
  return { kind: 'valid', timestampSeconds };
}
