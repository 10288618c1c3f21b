/**
 * WS-Security UsernameToken check (OASIS UsernameToken Profile 1.0), used over TLS only.
 * PasswordText compares the password; PasswordDigest compares
 * Base64(SHA-1(nonce + created + password)), requires Created within the allowed skew and
 * refuses a nonce seen within that window (replay). Comparisons are constant-time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

import type { UsernameToken } from './xml/soap-xml-parser';

export interface WsSecurityOptions {
  readonly username: string;
  readonly password: string;
  /** How far Created may be from our clock, either way. */
  readonly createdSkewMs: number;
  /** Upper bound on remembered nonces; beyond it the oldest are forgotten. */
  readonly nonceCacheSizeMax: number;
}

export type WsSecurityVerdict = 'accepted' | 'missing' | 'bad_credentials' | 'stale' | 'replayed';

export class WsSecurityVerifier {
  /** nonce -> expiry (epoch ms); insertion-ordered, so the oldest entries are evicted first. */
  private readonly seenNonces = new Map<string, { expiresAtMs: number; createdMs: number }>();
  /**
   * Created of the newest evicted nonce: a token created at or before it might be a replay we
   * can no longer see, so it is refused as stale. Keeps the bound from opening a replay window.
   */
  private evictedCreatedMaxMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: WsSecurityOptions) {}

  verify(token: UsernameToken | undefined, nowMs: number): WsSecurityVerdict {
    if (token === undefined || token.username === '' || token.password === '') {
      return 'missing';
    }
    if (!safeEqual(token.username, this.options.username)) {
      return 'bad_credentials';
    }
    if (!token.passwordIsDigest) {
      return safeEqual(token.password, this.options.password) ? 'accepted' : 'bad_credentials';
    }
    const createdMs = Date.parse(token.created);
    if (
      token.nonceBase64 === '' ||
      Number.isNaN(createdMs) ||
      Math.abs(nowMs - createdMs) > this.options.createdSkewMs
    ) {
      return 'stale';
    }
    const nonce = Buffer.from(token.nonceBase64, 'base64');
    const expected = createHash('sha1')
      .update(
        Buffer.concat([
          nonce,
          Buffer.from(token.created, 'utf8'),
          Buffer.from(this.options.password, 'utf8'),
        ]),
      )
      .digest('base64');
    if (!safeEqual(token.password, expected)) {
      return 'bad_credentials';
    }
    this.forgetExpired(nowMs);
    if (this.seenNonces.has(token.nonceBase64)) {
      return 'replayed';
    }
    if (createdMs <= this.evictedCreatedMaxMs) {
      return 'stale';
    }
    this.seenNonces.set(token.nonceBase64, {
      expiresAtMs: nowMs + 2 * this.options.createdSkewMs,
      createdMs,
    });
    while (this.seenNonces.size > this.options.nonceCacheSizeMax) {
      const oldest = this.seenNonces.entries().next();
      if (oldest.done === true) {
        break;
      }
      this.evictedCreatedMaxMs = Math.max(this.evictedCreatedMaxMs, oldest.value[1].createdMs);
      this.seenNonces.delete(oldest.value[0]);
    }
    return 'accepted';
  }

  private forgetExpired(nowMs: number): void {
    for (const [nonce, { expiresAtMs }] of this.seenNonces) {
      if (expiresAtMs > nowMs) {
        // Later entries were inserted later and so expire later.
        return;
      }
      this.seenNonces.delete(nonce);
    }
  }
}

function safeEqual(actual: string, expected: string): boolean {
  const actualDigest = createHash('sha256').update(actual, 'utf8').digest();
  const expectedDigest = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(actualDigest, expectedDigest);
}

/** Builds a PasswordDigest the way a processor would; shared by tests and the demo client. */
export function passwordDigestOf(nonce: Buffer, created: string, password: string): string {
  return createHash('sha1')
    .update(Buffer.concat([nonce, Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')]))
    .digest('base64');
}
