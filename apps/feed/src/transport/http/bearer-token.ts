import { createHmac, createPublicKey, type KeyObject, timingSafeEqual, verify } from 'node:crypto';

import { z } from 'zod';

/**
 * Bearer JWTs, verified with node:crypto rather than jose: jose 6 ships as ESM only, which the
 * CommonJS test runtime cannot load, and HS256/ES256 verification is two library calls.
 */
export type TokenKey =
  | { readonly algorithm: 'HS256'; readonly secret: string }
  | { readonly algorithm: 'ES256'; readonly publicKeyPem: string };

export interface CustomerAccount {
  readonly id: string;
  readonly description: string;
  /** RFC 3339 UTC. */
  readonly created: string;
}

/** Who the token speaks for: the customer and the accounts the issuer granted it. */
export interface Principal {
  readonly customerId: string;
  readonly accounts: readonly CustomerAccount[];
  readonly accountIds: ReadonlySet<string>;
}

export type TokenVerification =
  | { readonly kind: 'valid'; readonly principal: Principal }
  | {
      readonly kind: 'invalid';
      readonly reason: 'malformed' | 'bad_signature' | 'expired' | 'wrong_issuer';
    };

/** A token lists at most this many accounts; it travels in every request header. */
export const TOKEN_ACCOUNTS_MAX = 20;
const TOKEN_LENGTH_MAX = 8192;

const claimsSchema = z.object({
  sub: z.string().min(1).max(128),
  iss: z.string().max(256),
  exp: z.number().int(),
  nbf: z.number().int().optional(),
  accounts: z
    .array(
      z.object({
        id: z.string().min(1).max(128),
        description: z.string().max(256),
        created: z.string().datetime(),
      }),
    )
    .max(TOKEN_ACCOUNTS_MAX),
});

const headerSchema = z.object({ alg: z.enum(['HS256', 'ES256']) });

function base64UrlJson(part: string): unknown {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

/** Verifies tokens with one configured key; the algorithm is the key's, never the token's. */
export class BearerTokenVerifier {
  private readonly publicKey: KeyObject | undefined;

  constructor(
    private readonly key: TokenKey,
    private readonly issuer: string,
    private readonly clockSkewSeconds: number,
  ) {
    this.publicKey = key.algorithm === 'ES256' ? createPublicKey(key.publicKeyPem) : undefined;
  }

  verify(token: string, nowMs: number): TokenVerification {
    const parts = token.split('.');
    if (token.length > TOKEN_LENGTH_MAX || parts.length !== 3) {
      return { kind: 'invalid', reason: 'malformed' };
    }
    const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
    let header: unknown;
    let payload: unknown;
    try {
      header = base64UrlJson(headerPart);
      payload = base64UrlJson(payloadPart);
    } catch {
      return { kind: 'invalid', reason: 'malformed' };
    }
    const parsedHeader = headerSchema.safeParse(header);
    if (!parsedHeader.success || parsedHeader.data.alg !== this.key.algorithm) {
      return { kind: 'invalid', reason: 'bad_signature' };
    }
    if (
      !this.signatureMatches(
        `${headerPart}.${payloadPart}`,
        Buffer.from(signaturePart, 'base64url'),
      )
    ) {
      return { kind: 'invalid', reason: 'bad_signature' };
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) {
      return { kind: 'invalid', reason: 'malformed' };
    }
    if (claims.data.iss !== this.issuer) {
      return { kind: 'invalid', reason: 'wrong_issuer' };
    }
    const nowSeconds = Math.floor(nowMs / 1000);
    if (
      claims.data.exp + this.clockSkewSeconds <= nowSeconds ||
      (claims.data.nbf !== undefined && claims.data.nbf - this.clockSkewSeconds > nowSeconds)
    ) {
      return { kind: 'invalid', reason: 'expired' };
    }
    return {
      kind: 'valid',
      principal: {
        customerId: claims.data.sub,
        accounts: claims.data.accounts,
        accountIds: new Set(claims.data.accounts.map((account) => account.id)),
      },
    };
  }

  private signatureMatches(signingInput: string, signature: Buffer): boolean {
    if (this.key.algorithm === 'HS256') {
      const expected = createHmac('sha256', this.key.secret).update(signingInput).digest();
      return signature.length === expected.length && timingSafeEqual(signature, expected);
    }
    if (this.publicKey === undefined || signature.length !== 64) {
      return false;
    }
    return verify(
      'sha256',
      Buffer.from(signingInput),
      { key: this.publicKey, dsaEncoding: 'ieee-p1363' },
      signature,
    );
  }
}

export interface DemoTokenRequest {
  readonly customerId: string;
  readonly accounts: readonly CustomerAccount[];
  readonly issuer: string;
  readonly nowMs: number;
  readonly ttlSeconds: number;
}

/**
 * Issues an HS256 token, as the embedded bank does for its demo customers (production tokens come
 * from the bank's identity service and are usually ES256).
 */
export function issueHs256Token(secret: string, request: DemoTokenRequest): string {
  const issuedAt = Math.floor(request.nowMs / 1000);
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(
    JSON.stringify({
      sub: request.customerId,
      iss: request.issuer,
      iat: issuedAt,
      exp: issuedAt + request.ttlSeconds,
      accounts: request.accounts,
    }),
  ).toString('base64url');
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}
