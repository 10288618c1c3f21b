import { performance } from 'node:perf_hooks';

import type { Etcd3, Lease } from 'etcd3';

import { PlatformError } from '@corebank/platform-errors';

import { SNOWFLAKE_WORKER_ID_MAX } from './snowflake';
import { workerLeaseLostError, type WorkerLease } from './worker-lease';

export interface EtcdWorkerLeaseOptions {
  /** A connected client; the lease does not close it. */
  readonly client: Etcd3;
  /** Keys live under `<keyPrefix>/workers/<n>` and `<keyPrefix>/last-timestamp/<n>`. */
  readonly keyPrefix: string;
  /** etcd lease TTL, whole seconds (etcd's unit), at least 2. */
  readonly ttlSeconds: number;
  /**
   * How long before the lease could expire on the server the generator stops issuing ids when
   * keepalives go unanswered. It must exceed the clock skew between hosts (see README).
   */
  readonly safetyMarginMs: number;
  /** Stored as the worker key's value, for operators: e.g. `<hostname>/<pid>`. */
  readonly holderName: string;
  /** A clock that never steps (default `performance.now`), for the lease deadline. */
  readonly monotonicNowMs?: () => number;
}

// etcd3's keepalive loop sends one request every TTL/3; more unanswered than this means the
// stream is broken, and keeping the oldest send time is the conservative choice anyway.
const PENDING_KEEPALIVES_MAX = 16;

function workerKey(keyPrefix: string, workerId: number): string {
  return `${keyPrefix}/workers/${workerId}`;
}

function lastTimestampKey(keyPrefix: string, workerId: number): string {
  return `${keyPrefix}/last-timestamp/${workerId}`;
}

function etcdUnavailable(operation: string, cause: unknown): PlatformError {
  return new PlatformError('unavailable.etcd', 'etcd request failed', {
    retryable: true,
    params: { operation },
    cause,
  });
}

/**
 * A worker id held under an etcd lease.
 *
 * Why ids stop before another process can take the worker id: etcd expires a lease TTL after
 * the last keepalive it received, which is no earlier than when we sent it. We therefore trust
 * the lease only until `send time + TTL - safetyMargin`, measured on a monotonic clock, and move
 * that deadline forward only when etcd answers a keepalive. If etcd is unreachable, ids stop
 * `safetyMargin` before the key can vanish; if etcd says the lease is gone, they stop at once.
 */
export class EtcdWorkerLease implements WorkerLease {
  private readonly lostController = new AbortController();
  private readonly pendingKeepaliveSentAtMs: number[] = [];
  private validUntilMs: number;

  private constructor(
    private readonly options: EtcdWorkerLeaseOptions & { monotonicNowMs: () => number },
    private readonly lease: Lease,
    private readonly leaseId: string,
    grantSentAtMs: number,
    readonly workerId: number,
    readonly previousHolderLastTimestampMs: number | undefined,
  ) {
    this.validUntilMs = grantSentAtMs + options.ttlSeconds * 1000 - options.safetyMarginMs;
    lease.on('keepaliveEstablished', () => {
      // Requests sent on the previous stream will never be answered.
      this.pendingKeepaliveSentAtMs.length = 0;
    });
    lease.on('keepaliveFired', () => {
      if (this.pendingKeepaliveSentAtMs.length < PENDING_KEEPALIVES_MAX) {
        this.pendingKeepaliveSentAtMs.push(this.options.monotonicNowMs());
      }
    });
    lease.on('keepaliveSucceeded', (response) => {
      const sentAtMs = this.pendingKeepaliveSentAtMs.shift();
      const ttlSeconds = Number(response.TTL);
      if (sentAtMs !== undefined && ttlSeconds > 0) {
        this.validUntilMs = Math.max(
          this.validUntilMs,
          sentAtMs + ttlSeconds * 1000 - this.options.safetyMarginMs,
        );
      }
    });
    lease.on('lost', (error) => {
      this.lostController.abort(`lost: ${error.message}`);
    });
  }

  /**
   * Grants a lease and claims the lowest free worker id 0..1023 with one transaction per
   * candidate: "create `<prefix>/workers/<n>` under my lease if it does not exist". Two processes
   * racing for the same n: etcd serialises the transactions, one wins, the other tries n+1.
   *
   * @throws PlatformError `exhausted.id_worker_ids` (retryable) when all 1024 are held.
   * @throws PlatformError `unavailable.etcd` (retryable) when etcd cannot be reached.
   * @throws PlatformError `internal.id_worker_state` (not retryable) when the worker's recorded
   *   last timestamp is not an integer.
   */
  static async claim(options: EtcdWorkerLeaseOptions): Promise<EtcdWorkerLease> {
    if (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds < 2) {
      throw new RangeError(`lease TTL ${options.ttlSeconds} s must be an integer of at least 2`);
    }
    if (options.safetyMarginMs < 0 || options.safetyMarginMs * 2 > options.ttlSeconds * 1000) {
      throw new RangeError(`safety margin ${options.safetyMarginMs} ms must be 0..TTL/2`);
    }
    const monotonicNowMs = options.monotonicNowMs ?? (() => performance.now());
    const grantSentAtMs = monotonicNowMs();
    const lease = options.client.lease(options.ttlSeconds);
    let leaseId: string;
    try {
      leaseId = await lease.grant();
    } catch (error) {
      throw etcdUnavailable('lease_grant', error);
    }
    try {
      const workerId = await EtcdWorkerLease.claimLowestFreeWorkerId(options, lease);
      const previous = await options.client
        .get(lastTimestampKey(options.keyPrefix, workerId))
        .string();
      const previousMs = previous === null ? undefined : Number(previous);
      if (previousMs !== undefined && !Number.isSafeInteger(previousMs)) {
        // Ignoring it could let this holder repeat the previous holder's ids.
        throw new PlatformError('internal.id_worker_state', 'unreadable last timestamp', {
          retryable: false,
          params: { workerId },
        });
      }
      return new EtcdWorkerLease(
        { ...options, monotonicNowMs },
        lease,
        leaseId,
        grantSentAtMs,
        workerId,
        previousMs,
      );
    } catch (error) {
      await lease.revoke().catch(() => undefined);
      throw error instanceof PlatformError ? error : etcdUnavailable('claim_worker_id', error);
    }
  }

  private static async claimLowestFreeWorkerId(
    options: EtcdWorkerLeaseOptions,
    lease: Lease,
  ): Promise<number> {
    const workersPrefix = `${options.keyPrefix}/workers/`;
    const heldKeys = await options.client.getAll().prefix(workersPrefix).keys();
    const held = new Set(heldKeys.map((key) => key.slice(workersPrefix.length)));
    // At most 1024 transactions: every candidate is tried once, lowest first.
    for (let candidate = 0; candidate <= SNOWFLAKE_WORKER_ID_MAX; candidate++) {
      if (held.has(String(candidate))) {
        continue;
      }
      const key = workerKey(options.keyPrefix, candidate);
      const result = await options.client
        .if(key, 'Create', '==', 0)
        .then(lease.put(key).value(options.holderName))
        .commit();
      if (result.succeeded) {
        return candidate;
      }
    }
    throw new PlatformError('exhausted.id_worker_ids', 'all worker ids are held', {
      retryable: true,
      params: { workerIdMax: SNOWFLAKE_WORKER_ID_MAX },
    });
  }

  get lost(): AbortSignal {
    return this.lostController.signal;
  }

  /** The etcd lease id (decimal), for operators and tests. */
  get etcdLeaseId(): string {
    return this.leaseId;
  }

  assertHeld(): void {
    if (this.lostController.signal.aborted) {
      throw workerLeaseLostError(this.workerId, 'lost');
    }
    // Not aborted: a later keepalive answer proves the lease was never gone, and then no one
    // else can have taken the worker id in between.
    if (this.options.monotonicNowMs() >= this.validUntilMs) {
      throw workerLeaseLostError(this.workerId, 'unconfirmed');
    }
  }

  /**
   * Records `lastTimestampMs` for the next holder (only while the worker key is still ours), then
   * revokes the lease, which deletes the worker key at once.
   *
   * @throws PlatformError `unavailable.etcd` (retryable) when etcd cannot be reached; the lease
   *   then expires by itself after its TTL.
   */
  async release(lastTimestampMs?: number): Promise<void> {
    if (this.lostController.signal.aborted) {
      return;
    }
    this.lostController.abort('released');
    try {
      if (lastTimestampMs !== undefined) {
        await this.options.client
          .if(workerKey(this.options.keyPrefix, this.workerId), 'Lease', '==', this.leaseId)
          .then(
            this.options.client
              .put(lastTimestampKey(this.options.keyPrefix, this.workerId))
              .value(String(lastTimestampMs)),
          )
          .commit();
      }
      await this.lease.revoke();
    } catch (error) {
      // Stop the keepalives so the lease runs out on its own.
      this.lease.release();
      throw etcdUnavailable('release_worker_id', error);
    }
  }
}
