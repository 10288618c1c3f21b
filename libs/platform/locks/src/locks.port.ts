/**
 * Distributed locks (ARCHITECTURE §8) with fencing tokens. A holder passes `fencingToken` to
 * every write it makes under the lock; the store refuses a write whose token is lower than one
 * already seen (compare-and-set), so a holder whose lease expired cannot overwrite its successor.
 */
export interface LockHandle {
  readonly key: string;
  /** Grows with every grant of any lock (etcd: the lock key's create revision). */
  readonly fencingToken: bigint;
  /** Aborted when the lease is lost (expired, revoked, or the engine is gone). */
  readonly lost: AbortSignal;
  /** Extends the lease by its TTL; throws PlatformError `conflict.lock_lost` when already lost. */
  renew(): Promise<void>;
  release(): Promise<void>;
}

export interface AcquireOptions {
  /** Lease length. etcd rounds up to whole seconds. */
  readonly ttlMs: number;
  /** How long to queue behind other holders before giving up with `timeout.lock_wait`. */
  readonly waitTimeoutMs: number;
}

export interface DistributedLocks {
  acquire(key: string, options: AcquireOptions): Promise<LockHandle>;
  /** Acquires, runs `fn`, releases (also when `fn` throws). */
  withLock<T>(
    key: string,
    options: AcquireOptions,
    fn: (lock: LockHandle) => Promise<T>,
  ): Promise<T>;
  close(): Promise<void>;
}

export const DISTRIBUTED_LOCKS = Symbol('DISTRIBUTED_LOCKS');
