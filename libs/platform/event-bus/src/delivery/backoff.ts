import { PlatformError } from '@corebank/platform-errors';

import type { RetryPolicy } from '../event-bus.port';

/** Used when a subscription names no policy: about 1.5 s of retrying in the worst case. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  attemptsMax: 5,
  backoffInitialMs: 50,
  backoffMaxMs: 1_000,
});

/** Upper bounds so a mistyped policy cannot park a partition for hours. */
const ATTEMPTS_MAX_LIMIT = 100;
const BACKOFF_MAX_MS_LIMIT = 300_000;

/** Throws PlatformError `invalid.retry_policy` (not retryable) for an out-of-range policy. */
export function validateRetryPolicy(policy: RetryPolicy): RetryPolicy {
  const problems: string[] = [];
  if (
    !Number.isInteger(policy.attemptsMax) ||
    policy.attemptsMax < 1 ||
    policy.attemptsMax > ATTEMPTS_MAX_LIMIT
  ) {
    problems.push(`attemptsMax must be an integer in 1..${ATTEMPTS_MAX_LIMIT}`);
  }
  if (!Number.isFinite(policy.backoffInitialMs) || policy.backoffInitialMs < 0) {
    problems.push('backoffInitialMs must be >= 0');
  }
  if (
    !Number.isFinite(policy.backoffMaxMs) ||
    policy.backoffMaxMs < policy.backoffInitialMs ||
    policy.backoffMaxMs > BACKOFF_MAX_MS_LIMIT
  ) {
    problems.push(`backoffMaxMs must be in backoffInitialMs..${BACKOFF_MAX_MS_LIMIT}`);
  }
  if (problems.length > 0) {
    throw new PlatformError('invalid.retry_policy', problems.join('; '), { retryable: false });
  }
  return policy;
}

/**
 * Exponential backoff with full jitter (a uniformly random delay in [0, ceiling)), which spreads
 * retries of many consumers that failed together instead of having them retry in lock-step.
 *
 * @param retryNumber 1 for the delay before the second attempt, 2 before the third, ...
 * @param random a source of uniform numbers in [0, 1); injected so tests are deterministic.
 */
export function fullJitterBackoffMs(
  retryNumber: number,
  policy: RetryPolicy,
  random: () => number,
): number {
  // Capping the exponent keeps 2 ** n finite; the ceiling is reached long before 2 ** 30.
  const exponent = Math.min(Math.max(retryNumber - 1, 0), 30);
  const ceilingMs = Math.min(policy.backoffMaxMs, policy.backoffInitialMs * 2 ** exponent);
  return Math.floor(random() * ceilingMs);
}

/** Resolves true after `ms`, or false as soon as `signal` aborts (never rejects). */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
