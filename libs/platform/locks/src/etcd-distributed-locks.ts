import { strict as assert } from 'node:assert';
import {
  castGrpcError,
  Etcd3,
  EtcdLeaseInvalidError,
  type ILeaseKeepAliveResponse,
  type IOptions,
  SortOrder,
  SortTarget,
  type Watcher,
} from 'etcd3';

import { isPlatformError } from '@corebank/platform-errors';

import { assertValidAcquireOptions, runWithLock } from './lock-options';
import {
  lockEngineUnavailableError,
  lockLostError,
  lockReleasedError,
  locksClosedError,
  type LockLossReason,
  lockWaitTimeoutError,
} from './locks.errors';
import type { AcquireOptions, DistributedLocks, LockHandle } from './locks.port';

export interface EtcdLocksOptions {
  /** etcd client URLs, e.g. `http://127.0.0.1:2379`. */
  readonly endpoints: readonly string[];
  /** Every lock key lives under `<prefix>/`, e.g. `corebank/locks`. */
  readonly prefix: string;
  /** Deadline of each single etcd request (grant, put, range, keepalive, revoke). */
  readonly requestTimeoutMs: number;
}

/** After a failed keepalive, try again this soon (still bounded by the lease's own deadline). */
const RENEW_RETRY_DELAY_MS_MAX = 250;

/**
 * Cap on the delay between watch reconnects during an outage. etcd3's default backoff grows to
 * 30 s, and its pending reconnect timer outlives `close()`, keeping the process up that long.
 */
const WATCH_RECONNECT_DELAY_MS_MAX = 500;

type WatchBackoff = NonNullable<NonNullable<IOptions['faultHandling']>['watchBackoff']>;

function cappedWatchBackoff(durationMs: number): WatchBackoff {
  return {
    duration: durationMs,
    next: () => cappedWatchBackoff(Math.min(durationMs * 2, WATCH_RECONNECT_DELAY_MS_MAX)),
  };
}

/**
 * One etcd lease, kept alive by hand rather than by etcd3's Lease helper: that helper only gives
 * up after twice the TTL without contact, while a lock holder must stop trusting its lease the
 * moment it may have expired on the server. The local deadline is measured from when each
 * keepalive was sent, so it always passes before the server's (which counts from receipt).
 */
class KeptLease {
  private expiresAtMs: number;
  private expiryTimer: NodeJS.Timeout | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private autoRenew = false;
  private finished = false;
  private lastRenewFailure: unknown;
  private readonly lostController = new AbortController();

  private constructor(
    private readonly client: Etcd3,
    private readonly key: string,
    readonly id: string,
    /** The TTL etcd granted, which may exceed the one asked for (etcd's minimum lease TTL). */
    private readonly grantedTtlMs: number,
    grantSentAtMs: number,
    private readonly requestTimeoutMs: number,
  ) {
    this.expiresAtMs = grantSentAtMs + grantedTtlMs;
    this.armExpiry();
  }

  static async grant(
    client: Etcd3,
    key: string,
    ttlSeconds: number,
    requestTimeoutMs: number,
  ): Promise<KeptLease> {
    const sentAtMs = Date.now();
    const granted = await client.leaseClient.leaseGrant(
      { TTL: ttlSeconds },
      { deadline: sentAtMs + requestTimeoutMs },
    );
    return new KeptLease(
      client,
      key,
      granted.ID,
      Number(granted.TTL) * 1000,
      sentAtMs,
      requestTimeoutMs,
    );
  }

  get lost(): AbortSignal {
    return this.lostController.signal;
  }

  startAutoRenew(): void {
    this.autoRenew = true;
    this.scheduleRenew(this.grantedTtlMs / 3);
  }

  stopAutoRenew(): void {
    this.autoRenew = false;
    clearTimeout(this.renewTimer);
  }

  /** One keepalive; on success the local deadline moves to send time + granted TTL. */
  async renew(): Promise<void> {
    this.throwIfLost();
    const sentAtMs = Date.now();
    let response: ILeaseKeepAliveResponse;
    try {
      response = await this.keepAliveOnce(sentAtMs + this.requestTimeoutMs);
    } catch (error) {
      this.lastRenewFailure = error;
      this.throwIfLost();
      throw lockEngineUnavailableError(this.key, error);
    }
    this.throwIfLost();
    const ttlSeconds = Number(response.TTL);
    if (ttlSeconds <= 0) {
      // etcd answers TTL 0 for a lease it no longer has: expired or revoked by someone else.
      this.lose('expired', new EtcdLeaseInvalidError(this.id));
      this.throwIfLost();
    }
    this.lastRenewFailure = undefined;
    this.expiresAtMs = Math.max(this.expiresAtMs, sentAtMs + ttlSeconds * 1000);
    this.armExpiry();
  }

  lose(reason: LockLossReason, cause?: unknown): void {
    if (this.finished) {
      return;
    }
    this.stop();
    this.lostController.abort(lockLostError(this.key, reason, cause));
  }

  /**
   * Stops renewing and revokes the lease, which deletes its keys. Unreachable etcd is tolerated:
   * the lease then expires by itself within its TTL.
   */
  async revoke(): Promise<void> {
    const wasLost = this.lost.aborted;
    this.stop();
    if (wasLost) {
      return;
    }
    try {
      await this.client.leaseClient.leaseRevoke(
        { ID: this.id },
        { deadline: Date.now() + this.requestTimeoutMs },
      );
    } catch {
      // Already gone (EtcdLeaseInvalidError) or etcd unreachable: either way the waiter key is
      // deleted by etcd within the TTL, and release() promises not to throw.
    }
  }

  private stop(): void {
    this.finished = true;
    this.autoRenew = false;
    clearTimeout(this.renewTimer);
    clearTimeout(this.expiryTimer);
  }

  private throwIfLost(): void {
    this.lost.throwIfAborted();
  }

  private scheduleRenew(delayMs: number): void {
    clearTimeout(this.renewTimer);
    if (!this.autoRenew || this.finished) {
      return;
    }
    this.renewTimer = setTimeout(() => {
      this.renew().then(
        () => this.scheduleRenew(this.grantedTtlMs / 3),
        () => this.scheduleRenew(Math.min(this.grantedTtlMs / 3, RENEW_RETRY_DELAY_MS_MAX)),
      );
    }, delayMs);
  }

  private armExpiry(): void {
    clearTimeout(this.expiryTimer);
    if (this.finished) {
      return;
    }
    this.expiryTimer = setTimeout(
      () => {
        const unreachable = this.lastRenewFailure !== undefined;
        this.lose(unreachable ? 'engine_unreachable' : 'expired', this.lastRenewFailure);
      },
      Math.max(0, this.expiresAtMs - Date.now()),
    );
  }

  private async keepAliveOnce(deadlineMs: number): Promise<ILeaseKeepAliveResponse> {
    const stream = await this.client.leaseClient.leaseKeepAlive({ deadline: deadlineMs });
    try {
      return await new Promise<ILeaseKeepAliveResponse>((resolve, reject) => {
        stream.on('data', resolve);
        stream.on('error', (error) => reject(castGrpcError(error)));
        stream.write({ ID: this.id });
      });
    } finally {
      stream.end();
    }
  }
}

class EtcdLockHandle implements LockHandle {
  private released = false;
  private ownKeyWatcher: Watcher | undefined;

  constructor(
    readonly key: string,
    readonly fencingToken: bigint,
    private readonly lease: KeptLease,
    private readonly requestTimeoutMs: number,
    private readonly onReleased: (handle: EtcdLockHandle) => void,
  ) {}

  get lost(): AbortSignal {
    return this.lease.lost;
  }

  /**
   * Watching our own waiter key catches a deletion that is not a lease expiry (an operator, a
   * foreign revoke) sooner than the next keepalive would. It is an early warning on top of the
   * lease deadline, so failing to set it up does not fail the acquire.
   */
  watchOwnKey(client: Etcd3, waiterKey: string): void {
    // `watcher()` registers with the client at once (unlike `create()`, which only resolves once
    // connected), so release() can always cancel it, even when etcd went away meanwhile.
    const watcher = client
      .watch()
      .key(waiterKey)
      .startRevision(String(this.fencingToken + 1n))
      .only('delete')
      .watcher();
    this.ownKeyWatcher = watcher;
    watcher.on('delete', () => this.lease.lose('revoked'));
    // A broken watch only loses the early warning; the lease deadline still decides.
    watcher.on('error', () => undefined);
  }

  renew(): Promise<void> {
    if (this.released) {
      return Promise.reject(lockReleasedError(this.key));
    }
    return this.lease.renew();
  }

  async release(): Promise<void> {
    if (this.released) {
      return;
    }
    this.released = true;
    const watcher = this.ownKeyWatcher;
    this.ownKeyWatcher = undefined;
    // Cancel first so that our own revoke does not read as a foreign deletion.
    if (watcher !== undefined) {
      await cancelWatcher(watcher, this.requestTimeoutMs);
    }
    await this.lease.revoke();
    this.onReleased(this);
  }
}

/**
 * Cancels a watch, bounded: etcd3 waits for the server to confirm, which never comes while etcd
 * is unreachable (the watch is then dropped with the client's stream anyway).
 */
async function cancelWatcher(watcher: Watcher, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    watcher.cancel().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
}

/** `a/b` and `a` must not share a key range, so the lock name is escaped into one segment. */
function queuePrefixOf(prefix: string, key: string): string {
  return `${prefix}/${encodeURIComponent(key)}/`;
}

/** The end of the etcd range holding every key that starts with `start`. */
function prefixRangeEnd(start: Buffer): Buffer {
  const end = Buffer.from(start);
  end[end.length - 1] += 1;
  return end;
}

/**
 * Locks on etcd leases and transactions, the queueing recipe of etcd's own concurrency package:
 * each acquire puts a waiter key `<prefix>/<key>/<leaseId>` under its own lease; the waiter whose
 * key has the lowest create revision holds the lock, every other one watches the deletion of the
 * key just ahead of it. The fencing token is the waiter key's create revision, so it grows with
 * every grant of any lock in the cluster.
 */
export class EtcdDistributedLocks implements DistributedLocks {
  private readonly client: Etcd3;
  private closed = false;
  private readonly held = new Set<EtcdLockHandle>();
  private readonly pendingAcquires = new Set<Promise<unknown>>();
  private readonly closing = new AbortController();

  constructor(private readonly options: EtcdLocksOptions) {
    assert(options.endpoints.length > 0, 'etcd locks need at least one endpoint');
    assert(!options.prefix.endsWith('/'), 'the lock prefix must not end with /');
    this.client = new Etcd3({
      hosts: [...options.endpoints],
      dialTimeout: options.requestTimeoutMs,
      faultHandling: { watchBackoff: cappedWatchBackoff(50) },
    });
  }

  async acquire(key: string, options: AcquireOptions): Promise<LockHandle> {
    assertValidAcquireOptions(key, options);
    if (this.closed) {
      throw locksClosedError(key);
    }
    const attempt = this.queueAndWait(key, options);
    this.pendingAcquires.add(attempt);
    try {
      return await attempt;
    } finally {
      this.pendingAcquires.delete(attempt);
    }
  }

  withLock<T>(
    key: string,
    options: AcquireOptions,
    fn: (lock: LockHandle) => Promise<T>,
  ): Promise<T> {
    return runWithLock(this, key, options, fn);
  }

  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.closing.abort(locksClosedError('*'));
    await Promise.allSettled([...this.pendingAcquires]);
    await Promise.all([...this.held].map((handle) => handle.release()));
    this.client.close();
  }

  private async queueAndWait(key: string, options: AcquireOptions): Promise<EtcdLockHandle> {
    const waitDeadlineMs = Date.now() + options.waitTimeoutMs;
    const requestTimeoutMs = this.options.requestTimeoutMs;
    let lease: KeptLease | undefined;
    try {
      lease = await KeptLease.grant(
        this.client,
        key,
        Math.max(1, Math.ceil(options.ttlMs / 1000)),
        requestTimeoutMs,
      );
      // The waiter key must outlive a wait longer than the TTL, so the lease is renewed while
      // queueing whatever the caller chose for the holding phase.
      lease.startAutoRenew();
      const abortWait = AbortSignal.any([this.closing.signal, lease.lost]);
      abortWait.throwIfAborted();

      const queuePrefix = queuePrefixOf(this.options.prefix, key);
      const waiterKey = `${queuePrefix}${lease.id}`;
      const put = await this.client.kv.put(
        { key: Buffer.from(waiterKey), value: Buffer.alloc(0), lease: lease.id },
        { deadline: Date.now() + requestTimeoutMs },
      );
      const waiterRevision = BigInt(put.header.revision);
      await this.waitForTurn(key, queuePrefix, waiterRevision, waitDeadlineMs, abortWait, options);

      if (options.autoRenew === false) {
        lease.stopAutoRenew();
        // A fresh keepalive gives a hand-renewing holder its whole TTL from the moment it holds.
        await lease.renew();
      }
      const handle = new EtcdLockHandle(key, waiterRevision, lease, requestTimeoutMs, (done) =>
        this.held.delete(done),
      );
      this.held.add(handle);
      handle.watchOwnKey(this.client, waiterKey);
      return handle;
    } catch (error) {
      await lease?.revoke();
      throw this.acquireError(key, error);
    }
  }

  /**
   * Waits until no waiter key older than ours is left. Each round ends with the deletion of one
   * older key and keys older than ours are never created again, so the rounds are bounded by the
   * queue length seen at the first round; the wait deadline bounds them in time.
   */
  private async waitForTurn(
    key: string,
    queuePrefix: string,
    waiterRevision: bigint,
    waitDeadlineMs: number,
    abortWait: AbortSignal,
    options: AcquireOptions,
  ): Promise<void> {
    const start = Buffer.from(queuePrefix);
    let roundsMax: number | undefined;
    for (let round = 0; roundsMax === undefined || round <= roundsMax; round += 1) {
      const ahead = await this.client.kv.range(
        {
          key: start,
          range_end: prefixRangeEnd(start),
          max_create_revision: String(waiterRevision - 1n),
          sort_order: SortOrder.Descend,
          sort_target: SortTarget.Create,
          limit: 1,
        },
        { deadline: Date.now() + this.options.requestTimeoutMs },
      );
      abortWait.throwIfAborted();
      // `count` is every key in the queue (etcd counts before the revision filter): an upper bound.
      roundsMax ??= Number(ahead.count);
      const predecessor = ahead.kvs[0];
      if (predecessor === undefined) {
        return;
      }
      if (Date.now() >= waitDeadlineMs) {
        throw lockWaitTimeoutError(key, options.waitTimeoutMs);
      }
      await this.waitForDeletion(
        predecessor.key,
        BigInt(ahead.header.revision) + 1n,
        waitDeadlineMs,
        abortWait,
        () => lockWaitTimeoutError(key, options.waitTimeoutMs),
      );
    }
    assert.fail(`lock queue ${queuePrefix} still ahead after ${roundsMax} rounds`);
  }

  private async waitForDeletion(
    watchedKey: Buffer,
    fromRevision: bigint,
    deadlineMs: number,
    abortWait: AbortSignal,
    timeoutError: () => Error,
  ): Promise<void> {
    const watcher = this.client
      .watch()
      .key(watchedKey)
      .startRevision(String(fromRevision))
      .only('delete')
      .watcher();
    let deadlineTimer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        deadlineTimer = setTimeout(
          () => reject(timeoutError()),
          Math.max(0, deadlineMs - Date.now()),
        );
        onAbort = () => reject(abortWait.reason as Error);
        abortWait.addEventListener('abort', onAbort, { once: true });
        if (abortWait.aborted) {
          onAbort();
        }
        watcher.on('delete', () => resolve());
        watcher.on('error', (error) => reject(error));
      });
    } finally {
      clearTimeout(deadlineTimer);
      if (onAbort !== undefined) {
        abortWait.removeEventListener('abort', onAbort);
      }
      await cancelWatcher(watcher, this.options.requestTimeoutMs);
    }
  }

  private acquireError(key: string, error: unknown): Error {
    if (!isPlatformError(error)) {
      return lockEngineUnavailableError(key, error);
    }
    if (error.code === 'conflict.lock_lost') {
      // The waiter's own lease died while queueing: to the caller, etcd was unavailable.
      return lockEngineUnavailableError(key, error);
    }
    if (error.code === 'unavailable.locks_closed') {
      return locksClosedError(key);
    }
    return error;
  }
}
