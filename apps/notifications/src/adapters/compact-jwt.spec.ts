import { generateKeyPairSync } from 'node:crypto';

import { signJwt, verifyJwt } from './compact-jwt';

describe('compact JWT (ES256, RS256)', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const otherEc = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = 1_700_000_000;

  it('round-trips ES256 and RS256 with the header fields given', () => {
    const es = signJwt('ES256', ec.privateKey, { sub: 'c', exp: now + 60 }, { kid: 'K1' });
    expect(JSON.parse(Buffer.from(es.split('.')[0] ?? '', 'base64url').toString())).toEqual({
      alg: 'ES256',
      typ: 'JWT',
      kid: 'K1',
    });
    expect(verifyJwt(es, ec.publicKey, 'ES256', now, 0)).toEqual({
      kind: 'valid',
      payload: { sub: 'c', exp: now + 60 },
    });
    const rs = signJwt('RS256', rsa.privateKey, { exp: now + 60 });
    expect(verifyJwt(rs, rsa.publicKey, 'RS256', now, 0).kind).toBe('valid');
  });

  it('refuses another key, another algorithm, expiry, missing exp and garbage', () => {
    const token = signJwt('ES256', ec.privateKey, { exp: now + 60 });
    expect(verifyJwt(token, otherEc.publicKey, 'ES256', now, 0)).toEqual({
      kind: 'invalid',
      reason: 'signature',
    });
    expect(verifyJwt(token, rsa.publicKey, 'RS256', now, 0)).toEqual({
      kind: 'invalid',
      reason: 'algorithm',
    });
    expect(verifyJwt(token, ec.publicKey, 'ES256', now + 61, 0)).toEqual({
      kind: 'invalid',
      reason: 'expired',
    });
    expect(verifyJwt(token, ec.publicKey, 'ES256', now + 61, 5).kind).toBe('valid');
    const noExp = signJwt('ES256', ec.privateKey, { sub: 'c' });
    expect(verifyJwt(noExp, ec.publicKey, 'ES256', now, 0).kind).toBe('invalid');
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"exp":9999999999}').toString('base64url')}.`;
    expect(verifyJwt(none, ec.publicKey, 'ES256', now, 0).kind).toBe('invalid');
    expect(verifyJwt('a.b', ec.publicKey, 'ES256', now, 0).kind).toBe('invalid');
  });
});
