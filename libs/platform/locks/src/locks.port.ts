/**
 * Distributed locks (ARCHITECTURE §8) with fencing tokens. A holder passes `fencingToken` to
 * every write it makes under the lock; the store refuses a write whose token is lower than one
 * already seen (compare-and-set), so a holder whose lease expired cannot overwrite its successor.
 */
export interface LockHandle {
  readonly key: string;
  /** Grows with every grant of any lock (etcd: the lock key's create revision). */
  readonly fencingToken: bigint;
  /**
   * Aborted when the lease is lost (expired, revoked, or the engine is gone). The reason is a
   * PlatformError `conflict.lock_lost`. Not aborted by `release()`.
   */
  readonly lost: AbortSignal;
  /** Extends the lease by its TTL; throws PlatformError `conflict.lock_lost` when already lost. */
  renew(): Promise<void>;
  /**
   * Gives the lock to the next waiter. Never throws: when the engine cannot be reached the lease
   * is left to expire after its TTL, which frees the lock for others all the same, only later.
   */
  release(): Promise<void>;
}

export interface AcquireOptions {
  /** Lease length. etcd rounds up to whole seconds (and to its minimum lease TTL, 2 s by default). */
  readonly ttlMs: number;
  /** How long to queue behind other holders before giving up with `timeout.lock_wait`. */
  readonly waitTimeoutMs: number;
  /**
   * Added by the locks lib. When true (the default) the lease is renewed in the background while
   * the lock is held, so only a dead or partitioned process loses it. When false the holder must
   * call `renew()` within every `ttlMs`, so a stuck holder loses the lock too.
   */
  readonly autoRenew?: boolean;
}

/**
 * Errors: `acquire` and `withLock` throw PlatformError `timeout.lock_wait` (retryable) when the
 * wait runs out, `unavailable.lock_engine` (retryable) when the engine cannot be reached or the
 * waiter's own lease is lost while queueing, and `unavailable.locks_closed` (not retryable) after
 * `close()`. `withLock` rethrows whatever `fn` throws.
 */
export interface DistributedLocks {
  acquire(key: string, options: AcquireOptions): Promise<LockHandle>;
  /** Acquires, runs `fn`, releases (also when `fn` throws). */
  withLock<T>(
    key: string,
    options: AcquireOptions,
    fn: (lock: LockHandle) => Promise<T>,
  ): Promise<T>;
  /** Releases every lock this instance holds, fails its pending acquires, frees the engine client. */
  close(): Promise<void>;
}

export const DISTRIBUTED_LOCKS = Symbol('DISTRIBUTED_LOCKS');
