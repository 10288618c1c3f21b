import { PlatformError } from '@corebank/platform-errors';

/** Why a held lock stopped being held without the holder releasing it. */
export type LockLossReason = 'expired' | 'engine_unreachable' | 'revoked';

export function lockWaitTimeoutError(key: string, waitTimeoutMs: number): PlatformError {
  return new PlatformError('timeout.lock_wait', 'lock not acquired within the wait timeout', {
    retryable: true,
    params: { key, waitTimeoutMs },
  });
}

export function lockLostError(key: string, reason: LockLossReason, cause?: unknown): PlatformError {
  return new PlatformError('conflict.lock_lost', 'lock lease lost', {
    retryable: false,
    params: { key, reason },
    cause,
  });
}

export function lockReleasedError(key: string): PlatformError {
  return new PlatformError('conflict.lock_lost', 'lock already released', {
    retryable: false,
    params: { key, reason: 'released' },
  });
}

export function lockEngineUnavailableError(key: string, cause: unknown): PlatformError {
  return new PlatformError('unavailable.lock_engine', 'lock engine unreachable', {
    retryable: true,
    params: { key },
    cause,
  });
}

export function locksClosedError(key: string): PlatformError {
  return new PlatformError('unavailable.locks_closed', 'locks client is closed', {
    retryable: false,
    params: { key },
  });
}
