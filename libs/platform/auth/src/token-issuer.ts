import { signCompactJws, type SigningKey } from './compact-jws';
import { type CustomerAccount, tokenClaimsSchema } from './token-claims';

export interface TokenRequest {
  readonly customerId: string;
  readonly accounts: readonly CustomerAccount[];
  readonly issuer: string;
  readonly audience?: string;
  readonly nowMs: number;
  readonly ttlSeconds: number;
}

/**
 * Issues a bearer token, as the embedded bank does for its demo customers (production tokens come
 * from the bank's identity service). Claims are validated first so an issued token always verifies.
 */
export function issueToken(request: TokenRequest, signingKey: SigningKey): string {
  if (!Number.isInteger(request.ttlSeconds) || request.ttlSeconds <= 0) {
    throw new RangeError('ttlSeconds must be a positive integer');
  }
  const issuedAt = Math.floor(request.nowMs / 1000);
  const claims = tokenClaimsSchema.parse({
    sub: request.customerId,
    iss: request.issuer,
    ...(request.audience === undefined ? {} : { aud: request.audience }),
    iat: issuedAt,
    exp: issuedAt + request.ttlSeconds,
    accounts: request.accounts,
  });
  return signCompactJws(signingKey, claims);
}
