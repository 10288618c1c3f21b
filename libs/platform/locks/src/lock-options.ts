import { PlatformError } from '@corebank/platform-errors';

import type { AcquireOptions, DistributedLocks, LockHandle } from './locks.port';

/** Refuses options no engine could honour, before anything is queued. */
export function assertValidAcquireOptions(key: string, options: AcquireOptions): void {
  const problems: string[] = [];
  if (key.length === 0) {
    problems.push('key is empty');
  }
  if (!Number.isFinite(options.ttlMs) || options.ttlMs <= 0) {
    problems.push('ttlMs must be a positive number');
  }
  if (!Number.isFinite(options.waitTimeoutMs) || options.waitTimeoutMs < 0) {
    problems.push('waitTimeoutMs must be zero or more');
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
