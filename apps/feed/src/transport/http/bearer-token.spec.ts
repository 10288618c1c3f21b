import { generateKeyPairSync, sign } from 'node:crypto';

import { BearerTokenVerifier, issueHs256Token } from './bearer-token';

const SECRET = 'a-secret-of-at-least-thirty-two-characters';
const NOW_MS = Date.UTC(2026, 10, 22, 2, 0, 0);
const accounts = [{ id: 'acc_1', description: 'Current', created: '2026-11-01T00:00:00.000Z' }];

function hs256(
  overrides: { nowMs?: number; ttlSeconds?: number; issuer?: string; secret?: string } = {},
): string {
  return issueHs256Token(overrides.secret ?? SECRET, {
    customerId: 'cust_1',
    accounts,
    issuer: overrides.issuer ?? 'corebank',
    nowMs: overrides.nowMs ?? NOW_MS,
    ttlSeconds: overrides.ttlSeconds ?? 300,
  });
}

describe('BearerTokenVerifier with HS256', () => {
  const sut = new BearerTokenVerifier({ algorithm: 'HS256', secret: SECRET }, 'corebank', 30);

  it('accepts a valid token and exposes its customer and accounts', () => {
    const result = sut.verify(hs256(), NOW_MS);
    expect(
      result.kind === 'valid'
        ? [result.principal.customerId, [...result.principal.accountIds]]
        : result,
    ).toEqual(['cust_1', ['acc_1']]);
  });

  it('refuses expired, foreign-issuer, wrongly signed, tampered and malformed tokens', () => {
    expect(sut.verify(hs256({ nowMs: NOW_MS - 400_000 }), NOW_MS)).toEqual({
      kind: 'invalid',
      reason: 'expired',
    });
    expect(sut.verify(hs256({ issuer: 'elsewhere' }), NOW_MS)).toEqual({
      kind: 'invalid',
      reason: 'wrong_issuer',
    });
    expect(sut.verify(hs256({ secret: `${SECRET}!` }), NOW_MS)).toEqual({
      kind: 'invalid',
      reason: 'bad_signature',
    });
    const [header, , signature] = hs256().split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ sub: 'cust_2', iss: 'corebank', exp: 9e9, accounts }),
    ).toString('base64url');
    expect(sut.verify(`${header}.${forgedPayload}.${signature}`, NOW_MS).kind).toBe('invalid');
    expect(sut.verify('a.b', NOW_MS)).toEqual({ kind: 'invalid', reason: 'malformed' });
  });

  it('refuses a token whose header names another algorithm (no alg confusion, no "none")', () => {
    const [, payload] = hs256().split('.');
    const none = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    expect(sut.verify(`${none}.${payload}.`, NOW_MS).kind).toBe('invalid');
  });
});

describe('BearerTokenVerifier with ES256', () => {
  it('accepts a token signed by the private key of its configured public key only', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const sut = new BearerTokenVerifier(
      {
        algorithm: 'ES256',
        publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      },
      'corebank',
      0,
    );
    const header = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({ sub: 'cust_9', iss: 'corebank', exp: NOW_MS / 1000 + 60, accounts }),
    ).toString('base64url');
    const signWith = (key: typeof privateKey): string =>
      sign('sha256', Buffer.from(`${header}.${payload}`), {
        key,
        dsaEncoding: 'ieee-p1363',
      }).toString('base64url');
    expect(sut.verify(`${header}.${payload}.${signWith(privateKey)}`, NOW_MS).kind).toBe('valid');
    expect(sut.verify(`${header}.${payload}.${signWith(other.privateKey)}`, NOW_MS)).toEqual({
      kind: 'invalid',
      reason: 'bad_signature',
    });
    expect(sut.verify(hs256(), NOW_MS)).toEqual({ kind: 'invalid', reason: 'bad_signature' });
  });
});
