import { isPlatformError } from '@corebank/platform-errors';

import { abortableSleep, fullJitterBackoffMs, validateRetryPolicy } from './backoff';

describe('fullJitterBackoffMs', () => {
  const policy = { attemptsMax: 10, backoffInitialMs: 100, backoffMaxMs: 1_000 };

  it('doubles the ceiling per retry and caps it at backoffMaxMs', () => {
    const almostOne = (): number => 0.999_999;
    expect(
      [1, 2, 3, 4, 5, 40].map((retry) => fullJitterBackoffMs(retry, policy, almostOne)),
    ).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('spreads delays over the whole range from zero (full jitter)', () => {
    expect(fullJitterBackoffMs(3, policy, () => 0)).toBe(0);
    expect(fullJitterBackoffMs(3, policy, () => 0.5)).toBe(200);
  });
});

describe('validateRetryPolicy', () => {
  it.each([
    { attemptsMax: 0, backoffInitialMs: 1, backoffMaxMs: 1 },
    { attemptsMax: 1.5, backoffInitialMs: 1, backoffMaxMs: 1 },
    { attemptsMax: 3, backoffInitialMs: -1, backoffMaxMs: 1 },
    { attemptsMax: 3, backoffInitialMs: 10, backoffMaxMs: 5 },
    { attemptsMax: 3, backoffInitialMs: 10, backoffMaxMs: 10_000_000 },
  ])('refuses %o', (policy) => {
    let thrown: unknown;
    try {
      validateRetryPolicy(policy);
    } catch (error) {
      thrown = error;
    }
    expect(isPlatformError(thrown) && thrown.code).toBe('invalid.retry_policy');
  });
});

describe('abortableSleep', () => {
  it('resolves false early when aborted and true when the time passed', async () => {
    const controller = new AbortController();
    const sleeping = abortableSleep(60_000, controller.signal);
    controller.abort();
    await expect(sleeping).resolves.toBe(false);
    await expect(abortableSleep(1, new AbortController().signal)).resolves.toBe(true);
  });
});
