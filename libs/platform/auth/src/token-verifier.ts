import type { Clock } from '@corebank/platform-clock';

import {
  decodeCompactJws,
  type PreparedKey,
  prepareVerificationKey,
  signatureMatches,
  type VerificationKey,
} from './compact-jws';
import { type Principal, tokenClaimsSchema } from './token-claims';

/** Longer tokens are refused before any decoding: a header is not a place for megabytes. */
export const TOKEN_LENGTH_MAX = 8192;

export type TokenRefusalReason =
  | 'missing'
  | 'malformed'
  | 'oversized'
  | 'algorithm'
  | 'bad_signature'
  | 'invalid_claims'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'expired'
  | 'not_yet_valid';

export type TokenVerification =
  | { readonly kind: 'ok'; readonly principal: Principal }
  | { readonly kind: 'invalid'; readonly reason: TokenRefusalReason };

export interface TokenVerifierOptions {
  readonly key: VerificationKey;
  readonly issuer: string;
  /** When set, the token's `aud` must name it. */
  readonly audience?: string;
  readonly clockSkewSeconds: number;
  readonly clock: Clock;
}

/**
 * Verifies compact JWS bearer tokens with one configured key. The algorithm is the key's, never
 * the token's: `none` and algorithm switching (e.g. HS256 keyed with an ES256 public key) fail.
 */
export class TokenVerifier {
  private readonly key: PreparedKey;

  constructor(private readonly options: TokenVerifierOptions) {
    if (!Number.isInteger(options.clockSkewSeconds) || options.clockSkewSeconds < 0) {
      throw new RangeError('clockSkewSeconds must be a non-negative integer');
    }
    this.key = prepareVerificationKey(options.key);
  }

  get algorithm(): PreparedKey['algorithm'] {
    return this.key.algorithm;
  }

  verify(token: string): TokenVerification {
    if (token.length > TOKEN_LENGTH_MAX) {
      return { kind: 'invalid', reason: 'oversized' };
    }
    const decoded = decodeCompactJws(token);
    if (decoded.kind === 'malformed') {
      return { kind: 'invalid', reason: 'malformed' };
    }
    if (decoded.header['alg'] !== this.key.algorithm) {
      return { kind: 'invalid', reason: 'algorithm' };
    }
    if (!signatureMatches(this.key, decoded.signingInput, decoded.signature)) {
      return { kind: 'invalid', reason: 'bad_signature' };
    }
    const claims = tokenClaimsSchema.safeParse(decoded.payload);
    if (!claims.success) {
      return { kind: 'invalid', reason: 'invalid_claims' };
    }
    const { iss, aud, exp, nbf, iat, sub, accounts } = claims.data;
    if (iss !== this.options.issuer) {
      return { kind: 'invalid', reason: 'wrong_issuer' };
    }
    if (this.options.audience !== undefined) {
      const audiences = aud === undefined ? [] : typeof aud === 'string' ? [aud] : aud;
      if (!audiences.includes(this.options.audience)) {
        return { kind: 'invalid', reason: 'wrong_audience' };
      }
    }
    const nowSeconds = Math.floor(this.options.clock.nowMs() / 1000);
    const skew = this.options.clockSkewSeconds;
    if (exp + skew <= nowSeconds) {
      return { kind: 'invalid', reason: 'expired' };
    }
    if (
      (nbf !== undefined && nbf - skew > nowSeconds) ||
      (iat !== undefined && iat - skew > nowSeconds)
    ) {
      return { kind: 'invalid', reason: 'not_yet_valid' };
    }
    return { kind: 'ok', principal: { customerId: sub, accounts } };
  }
}

const BEARER_PREFIX = /^Bearer +/i;

/** Reads `Authorization: Bearer <token>` (scheme case-insensitive, RFC 7235) and verifies it. */
export function verifyBearerToken(
  header: string | undefined,
  verifier: TokenVerifier,
): TokenVerification {
  if (header === undefined || header === '') {
    return { kind: 'invalid', reason: 'missing' };
  }
  const prefix = BEARER_PREFIX.exec(header);
  if (prefix === null) {
    return { kind: 'invalid', reason: 'missing' };
  }
  const token = header.slice(prefix[0].length).trim();
  return token === '' ? { kind: 'invalid', reason: 'missing' } : verifier.verify(token);
}
