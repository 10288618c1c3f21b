import { createHmac, generateKeyPairSync } from 'node:crypto';

import { ManualClock } from '@corebank/platform-clock';

import { signCompactJws, type SigningKey } from './compact-jws';
import { authConfigSchema } from './config';
import { issueToken, type TokenRequest } from './token-issuer';
import { TOKEN_LENGTH_MAX, TokenVerifier, verifyBearerToken } from './token-verifier';

const NOW_MS = Date.UTC(2026, 10, 22, 12, 0, 0);
const NOW_SECONDS = NOW_MS / 1000;
const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const ACCOUNTS = [
  { id: 'acc_1', description: 'Current account', created: '2026-01-01T00:00:00Z' },
  { id: 'acc_2', description: 'Joint account', created: '2026-02-01T00:00:00Z' },
];

const ecKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const EC_PUBLIC_PEM = ecKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const EC_PRIVATE_PEM = ecKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

const request: TokenRequest = {
  customerId: 'cus_1',
  accounts: ACCOUNTS,
  issuer: 'corebank',
  nowMs: NOW_MS,
  ttlSeconds: 3600,
};

function hs256Verifier(clock = new ManualClock(NOW_MS), audience?: string): TokenVerifier {
  return new TokenVerifier({
    key: { algorithm: 'HS256', secret: SECRET },
    issuer: 'corebank',
    clockSkewSeconds: 30,
    clock,
    ...(audience === undefined ? {} : { audience }),
  });
}

function es256Verifier(clock = new ManualClock(NOW_MS)): TokenVerifier {
  return new TokenVerifier({
    key: { algorithm: 'ES256', publicKeyPem: EC_PUBLIC_PEM },
    issuer: 'corebank',
    clockSkewSeconds: 30,
    clock,
  });
}

const hsKey: SigningKey = { algorithm: 'HS256', secret: SECRET };

function signedClaims(overrides: Record<string, unknown>, key: SigningKey = hsKey): string {
  return signCompactJws(key, {
    sub: 'cus_1',
    iss: 'corebank',
    exp: NOW_SECONDS + 3600,
    accounts: ACCOUNTS,
    ...overrides,
  });
}

function segment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('TokenVerifier', () => {
  it('accepts a valid HS256 token and returns the customer and accounts', () => {
    const result = hs256Verifier().verify(issueToken(request, hsKey));
    expect(result).toEqual({ kind: 'ok', principal: { customerId: 'cus_1', accounts: ACCOUNTS } });
  });

  it('accepts a valid ES256 token', () => {
    const token = issueToken(request, { algorithm: 'ES256', privateKeyPem: EC_PRIVATE_PEM });
    expect(es256Verifier().verify(token)).toEqual({
      kind: 'ok',
      principal: { customerId: 'cus_1', accounts: ACCOUNTS },
    });
  });

  it('refuses an expired token once the clock skew has passed, not before', () => {
    const clock = new ManualClock(NOW_MS + 3600_000 + 29_000);
    const verifier = hs256Verifier(clock);
    const token = issueToken(request, hsKey);
    expect(verifier.verify(token).kind).toBe('ok');
    clock.advanceMs(1_000);
    expect(verifier.verify(token)).toEqual({ kind: 'invalid', reason: 'expired' });
  });

  it('refuses a token whose nbf or iat is beyond the clock skew in the future', () => {
    const verifier = hs256Verifier();
    expect(verifier.verify(signedClaims({ nbf: NOW_SECONDS + 31 }))).toEqual({
      kind: 'invalid',
      reason: 'not_yet_valid',
    });
    expect(verifier.verify(signedClaims({ iat: NOW_SECONDS + 31 }))).toEqual({
      kind: 'invalid',
      reason: 'not_yet_valid',
    });
    expect(verifier.verify(signedClaims({ nbf: NOW_SECONDS + 30 })).kind).toBe('ok');
  });

  it('refuses a token signed with another secret or with a changed payload', () => {
    const verifier = hs256Verifier();
    const otherSecret = issueToken(request, { algorithm: 'HS256', secret: `${SECRET}-other` });
    expect(verifier.verify(otherSecret)).toEqual({ kind: 'invalid', reason: 'bad_signature' });
    const [header, , signature] = issueToken(request, hsKey).split('.');
    const forgedPayload = segment({
      sub: 'cus_2',
      iss: 'corebank',
      exp: NOW_SECONDS + 3600,
      accounts: ACCOUNTS,
    });
    expect(verifier.verify(`${header}.${forgedPayload}.${signature}`)).toEqual({
      kind: 'invalid',
      reason: 'bad_signature',
    });
  });

  it('refuses an ES256 token signed by another key', () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const token = issueToken(request, {
      algorithm: 'ES256',
      privateKeyPem: other.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
    expect(es256Verifier().verify(token)).toEqual({ kind: 'invalid', reason: 'bad_signature' });
  });

  it('refuses alg none, with or without a signature', () => {
    const [, payload] = issueToken(request, hsKey).split('.');
    const noneHeader = segment({ alg: 'none', typ: 'JWT' });
    for (const verifier of [hs256Verifier(), es256Verifier()]) {
      expect(verifier.verify(`${noneHeader}.${payload}.`)).toEqual({
        kind: 'invalid',
        reason: 'algorithm',
      });
      expect(verifier.verify(`${noneHeader}.${payload}.c2ln`)).toEqual({
        kind: 'invalid',
        reason: 'algorithm',
      });
    }
  });

  it('refuses alg confusion: HS256 keyed with the ES256 public key', () => {
    const payload = segment({
      sub: 'cus_1',
      iss: 'corebank',
      exp: NOW_SECONDS + 3600,
      accounts: ACCOUNTS,
    });
    const header = segment({ alg: 'HS256', typ: 'JWT' });
    const mac = createHmac('sha256', EC_PUBLIC_PEM)
      .update(`${header}.${payload}`)
      .digest('base64url');
    expect(es256Verifier().verify(`${header}.${payload}.${mac}`)).toEqual({
      kind: 'invalid',
      reason: 'algorithm',
    });
  });

  it('refuses an ES256 token at an HS256 verifier', () => {
    const token = issueToken(request, { algorithm: 'ES256', privateKeyPem: EC_PRIVATE_PEM });
    expect(hs256Verifier().verify(token)).toEqual({ kind: 'invalid', reason: 'algorithm' });
  });

  it('refuses a wrong issuer and, when an audience is configured, a wrong audience', () => {
    expect(hs256Verifier().verify(issueToken({ ...request, issuer: 'elsewhere' }, hsKey))).toEqual({
      kind: 'invalid',
      reason: 'wrong_issuer',
    });
    const verifier = hs256Verifier(new ManualClock(NOW_MS), 'feed');
    expect(verifier.verify(issueToken(request, hsKey))).toEqual({
      kind: 'invalid',
      reason: 'wrong_audience',
    });
    expect(verifier.verify(issueToken({ ...request, audience: 'other' }, hsKey))).toEqual({
      kind: 'invalid',
      reason: 'wrong_audience',
    });
    expect(verifier.verify(issueToken({ ...request, audience: 'feed' }, hsKey)).kind).toBe('ok');
    expect(verifier.verify(signedClaims({ aud: ['other', 'feed'] })).kind).toBe('ok');
  });

  it.each([
    ['two segments', 'abc.def'],
    ['four segments', 'a.b.c.d'],
    ['non-base64url characters', 'a+b.c/d.e=f'],
    ['a header that is not JSON', `${Buffer.from('nope').toString('base64url')}.e30.sig`],
    ['a payload that is a JSON array', `${segment({ alg: 'HS256' })}.${segment([1])}.sig`],
    ['empty', ''],
  ])('refuses a malformed token: %s', (_name, token) => {
    expect(hs256Verifier().verify(token)).toEqual({ kind: 'invalid', reason: 'malformed' });
  });

  it.each([
    ['no exp', { exp: undefined }],
    ['a fractional exp', { exp: NOW_SECONDS + 0.5 }],
    ['an empty sub', { sub: '' }],
    ['account ids instead of account objects', { accounts: ['acc_1'] }],
    ['too many accounts', { accounts: Array.from({ length: 21 }, () => ACCOUNTS[0]) }],
  ])('refuses correctly signed claims with %s', (_name, overrides) => {
    expect(hs256Verifier().verify(signedClaims(overrides))).toEqual({
      kind: 'invalid',
      reason: 'invalid_claims',
    });
  });

  it('refuses an oversized token before decoding it', () => {
    const token = signedClaims({ padding: 'x'.repeat(TOKEN_LENGTH_MAX) });
    expect(token.length).toBeGreaterThan(TOKEN_LENGTH_MAX);
    expect(hs256Verifier().verify(token)).toEqual({ kind: 'invalid', reason: 'oversized' });
  });

  it('refuses to be built with a short HS256 secret or a non-P-256 public key', () => {
    const clock = new ManualClock(NOW_MS);
    expect(
      () =>
        new TokenVerifier({
          key: { algorithm: 'HS256', secret: 'short' },
          issuer: 'corebank',
          clockSkewSeconds: 0,
          clock,
        }),
    ).toThrow(RangeError);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(
      () =>
        new TokenVerifier({
          key: {
            algorithm: 'ES256',
            publicKeyPem: rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
          },
          issuer: 'corebank',
          clockSkewSeconds: 0,
          clock,
        }),
    ).toThrow(RangeError);
  });
});

describe('verifyBearerToken', () => {
  const token = issueToken(request, hsKey);

  it('reads the token after a case-insensitive Bearer scheme', () => {
    expect(verifyBearerToken(`Bearer ${token}`, hs256Verifier()).kind).toBe('ok');
    expect(verifyBearerToken(`bearer ${token}`, hs256Verifier()).kind).toBe('ok');
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['the scheme alone', 'Bearer '],
    ['the Basic scheme', `Basic ${token}`],
    ['no scheme', token],
  ])('refuses a header without a bearer token: %s', (_name, header) => {
    expect(verifyBearerToken(header, hs256Verifier())).toEqual({
      kind: 'invalid',
      reason: 'missing',
    });
  });

  it('passes verification failures through', () => {
    expect(verifyBearerToken('Bearer a.b', hs256Verifier())).toEqual({
      kind: 'invalid',
      reason: 'malformed',
    });
  });
});

describe('issueToken', () => {
  it('refuses claims that no verifier would accept', () => {
    expect(() => issueToken({ ...request, ttlSeconds: 0 }, hsKey)).toThrow(RangeError);
    expect(() => issueToken({ ...request, customerId: '' }, hsKey)).toThrow();
    expect(() => issueToken(request, { algorithm: 'HS256', secret: 'short' })).toThrow(RangeError);
  });
});

describe('authConfigSchema', () => {
  it('builds an HS256 key from the secret and applies defaults', () => {
    expect(
      authConfigSchema.parse({ AUTH_JWT_ALGORITHM: 'HS256', AUTH_JWT_HS256_SECRET: SECRET }),
    ).toEqual({
      key: { algorithm: 'HS256', secret: SECRET },
      issuer: 'corebank',
      clockSkewSeconds: 30,
    });
  });

  it('builds an ES256 key from the public key PEM', () => {
    const config = authConfigSchema.parse({
      AUTH_JWT_ALGORITHM: 'ES256',
      AUTH_JWT_PUBLIC_KEY_PEM: EC_PUBLIC_PEM,
      AUTH_JWT_ISSUER: 'bank-idp',
      AUTH_CLOCK_SKEW_SECONDS: '5',
    });
    expect(config).toEqual({
      key: { algorithm: 'ES256', publicKeyPem: EC_PUBLIC_PEM },
      issuer: 'bank-idp',
      clockSkewSeconds: 5,
    });
  });

  it.each([
    [{ AUTH_JWT_ALGORITHM: 'HS256' }, 'AUTH_JWT_HS256_SECRET'],
    [{}, 'AUTH_JWT_PUBLIC_KEY_PEM'],
    [{ AUTH_JWT_ALGORITHM: 'ES256', AUTH_JWT_HS256_SECRET: SECRET }, 'AUTH_JWT_PUBLIC_KEY_PEM'],
    [{ AUTH_JWT_ALGORITHM: 'HS256', AUTH_JWT_HS256_SECRET: 'short' }, 'AUTH_JWT_HS256_SECRET'],
    [{ AUTH_JWT_ALGORITHM: 'none', AUTH_JWT_HS256_SECRET: SECRET }, 'AUTH_JWT_ALGORITHM'],
  ])('refuses %p, naming %s', (env, key) => {
    const result = authConfigSchema.safeParse(env);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path[0])).toContain(key);
  });
});
