import { randomBytes } from 'node:crypto';

import type { UsernameToken } from './xml/soap-xml-parser';
import { passwordDigestOf, WsSecurityVerifier } from './ws-security';

const NOW_MS = Date.parse('2026-11-22T01:00:00.000Z');
const PASSWORD = 'correct horse battery';

function sut(): WsSecurityVerifier {
  return new WsSecurityVerifier({
    username: 'processor',
    password: PASSWORD,
    createdSkewMs: 300_000,
    nonceCacheSizeMax: 2,
  });
}

function digestToken(
  createdMs = NOW_MS,
  nonce = randomBytes(16),
  password = PASSWORD,
): UsernameToken {
  const created = new Date(createdMs).toISOString();
  return {
    username: 'processor',
    password: passwordDigestOf(nonce, created, password),
    passwordIsDigest: true,
    nonceBase64: nonce.toString('base64'),
    created,
  };
}

describe('WsSecurityVerifier', () => {
  it('accepts PasswordText with the right credentials only', () => {
    const verifier = sut();
    const text = {
      username: 'processor',
      password: PASSWORD,
      passwordIsDigest: false,
      nonceBase64: '',
      created: '',
    };
    expect(verifier.verify(text, NOW_MS)).toBe('accepted');
    expect(verifier.verify({ ...text, password: 'wrong' }, NOW_MS)).toBe('bad_credentials');
    expect(verifier.verify({ ...text, username: 'other' }, NOW_MS)).toBe('bad_credentials');
    expect(verifier.verify(undefined, NOW_MS)).toBe('missing');
  });

  it('accepts a fresh PasswordDigest once and refuses its replay', () => {
    const verifier = sut();
    const token = digestToken();
    expect(verifier.verify(token, NOW_MS)).toBe('accepted');
    expect(verifier.verify(token, NOW_MS + 1000)).toBe('replayed');
  });

  it('refuses a stale or future Created, a wrong digest and a missing nonce', () => {
    const verifier = sut();
    expect(verifier.verify(digestToken(NOW_MS - 301_000), NOW_MS)).toBe('stale');
    expect(verifier.verify(digestToken(NOW_MS + 301_000), NOW_MS)).toBe('stale');
    expect(verifier.verify(digestToken(NOW_MS, randomBytes(16), 'wrong password'), NOW_MS)).toBe(
      'bad_credentials',
    );
    expect(verifier.verify({ ...digestToken(), nonceBase64: '' }, NOW_MS)).toBe('stale');
  });

  it('keeps at most nonceCacheSizeMax nonces', () => {
    const verifier = sut();
    const first = digestToken(NOW_MS - 2000);
    expect(verifier.verify(first, NOW_MS)).toBe('accepted');
    expect(verifier.verify(digestToken(NOW_MS - 1000), NOW_MS)).toBe('accepted');
    expect(verifier.verify(digestToken(NOW_MS), NOW_MS)).toBe('accepted');
    // The first nonce was evicted by the bound: its replay is refused by the eviction watermark.
    expect(verifier.verify(first, NOW_MS)).toBe('stale');
    expect(verifier.verify(digestToken(NOW_MS + 1), NOW_MS)).toBe('accepted');
  });
});
