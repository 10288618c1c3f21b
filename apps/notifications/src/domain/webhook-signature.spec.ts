import { signWebhookBody, verifyWebhookSignature } from './webhook-signature';

const SECRET = 'whsec_test';
const BODY = '{"type":"transaction.created","data":{"id":"tx_1"}}';

describe('webhook signature (HMAC-SHA256 over timestamp.body)', () => {
  it('is t=<seconds>,v1=<hex> and verifies with the same secret and body', () => {
    const header = signWebhookBody(SECRET, 1_700_000_000, BODY);
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(SECRET, header, BODY, 1_700_000_010, 300)).toEqual({
      kind: 'valid',
      timestampSeconds: 1_700_000_000,
    });
  });

  it('refuses another secret, a changed body, a moved timestamp, an old one and garbage', () => {
    const header = signWebhookBody(SECRET, 1_700_000_000, BODY);
    const now = 1_700_000_000;
    expect(verifyWebhookSignature('whsec_other', header, BODY, now, 300).kind).toBe('invalid');
    expect(verifyWebhookSignature(SECRET, header, `${BODY} `, now, 300).kind).toBe('invalid');
    const moved = header.replace('t=1700000000', 't=1700000001');
    expect(verifyWebhookSignature(SECRET, moved, BODY, now, 300)).toEqual({
      kind: 'invalid',
      reason: 'mismatch',
    });
    expect(verifyWebhookSignature(SECRET, header, BODY, now + 301, 300)).toEqual({
      kind: 'invalid',
      reason: 'too_old',
    });
    expect(verifyWebhookSignature(SECRET, 'v1=abc', BODY, now, 300)).toEqual({
      kind: 'invalid',
      reason: 'malformed',
    });
  });
});
