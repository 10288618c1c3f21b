import { PlatformError } from '@corebank/platform-errors';

import type { AcquireOptions, DistributedLocks, LockHandle } from './locks.port';

/** Node timers fire at once beyond this many milliseconds, which would void the TTL and the wait. */
const TIMER_DELAY_MS_MAX = 2_147_483_647;

/** Refuses options no engine could honour, before anything is queued. */
export function assertValidAcquireOptions(key: string, options: AcquireOptions): void {
  const problems: string[] = [];
  if (key.length === 0) {
    problems.push('key is empty');
  }
  if (!(options.ttlMs > 0 && options.ttlMs <= TIMER_DELAY_MS_MAX)) {
    problems.push(`ttlMs must be more than 0 and at most ${TIMER_DELAY_MS_MAX}`);
  }
  if (!(options.waitTimeoutMs >= 0 && options.waitTimeoutMs <= TIMER_DELAY_MS_MAX)) {
    problems.push(`waitTimeoutMs must be from 0 to ${TIMER_DELAY_MS_MAX}`);
  }
  if (problems.length > 0) {
    throw new PlatformError('invalid.lock_options', problems.join('; '), {
      retryable: false,
      params: { key, ttlMs: options.ttlMs, waitTimeoutMs: options.waitTimeoutMs },
    });
  }
}

/** `withLock` for every adapter: the lock is released whether `fn` resolves or throws. */
export async function runWithLock<T>(
  locks: DistributedLocks,
  key: string,
  options: AcquireOptions,
  fn: (lock: LockHandle) => Promise<T>,
): Promise<T> {
  const lock = await locks.acquire(key, options);
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}
