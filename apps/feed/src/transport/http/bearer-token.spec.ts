import { issueToken, TokenVerifier } from '@corebank/platform-auth';
import { ManualClock } from '@corebank/platform-clock';

import { authenticateBearer } from './bearer-token';

const SECRET = 'a-secret-of-at-least-thirty-two-characters';
const NOW_MS = Date.UTC(2026, 10, 22, 2, 0, 0);
const accounts = [
  { id: 'acc_1', description: 'Current', created: '2026-11-01T00:00:00.000Z' },
  { id: 'acc_2', description: 'Joint', created: '2026-11-02T00:00:00.000Z' },
];

const verifier = new TokenVerifier({
  key: { algorithm: 'HS256', secret: SECRET },
  issuer: 'corebank',
  clockSkewSeconds: 30,
  clock: new ManualClock(NOW_MS),
});

function token(nowMs = NOW_MS): string {
  return issueToken(
    { customerId: 'cust_1', accounts, issuer: 'corebank', nowMs, ttlSeconds: 300 },
    { algorithm: 'HS256', secret: SECRET },
  );
}

describe('authenticateBearer', () => {
  it('exposes the customer, its accounts and their ids as a set', () => {
    const result = authenticateBearer(`Bearer ${token()}`, verifier);
    expect(
      result.kind === 'valid'
        ? [result.principal.customerId, result.principal.accounts, [...result.principal.accountIds]]
        : result,
    ).toEqual(['cust_1', accounts, ['acc_1', 'acc_2']]);
  });

  it('passes the shared verifier refusals through', () => {
    expect(authenticateBearer(undefined, verifier)).toEqual({ kind: 'invalid', reason: 'missing' });
    expect(authenticateBearer(`Bearer ${token(NOW_MS - 400_000)}`, verifier)).toEqual({
      kind: 'invalid',
      reason: 'expired',
    });
    expect(authenticateBearer('Bearer not-a-token', verifier)).toEqual({
      kind: 'invalid',
      reason: 'malformed',
    });
  });
});
