import { runWithLock, assertValidAcquireOptions } from './lock-options';
import {
  lockLostError,
  lockReleasedError,
  locksClosedError,
  lockWaitTimeoutError,
} from './locks.errors';
import type { AcquireOptions, DistributedLocks, LockHandle } from './locks.port';

/** A queued acquire; `admit` is called once, when it reaches the head of its key's queue. */
interface Ticket {
  readonly admit: (fencingToken: bigint) => InProcessLockHandle;
}

interface KeyQueue {
  holder: InProcessLockHandle | undefined;
  readonly waiting: Ticket[];
}

/**
 * The in-process stand-in for etcd: one FIFO queue per key and one fencing counter for every key,
 * shared by all `InProcessDistributedLocks` built on it (as etcd is shared by all its clients).
 */
export class InProcessLockSpace {
  private lastFencingToken = 0n;
  private readonly queues = new Map<string, KeyQueue>();

  enqueue(key: string, ticket: Ticket): void {
    let queue = this.queues.get(key);
    if (queue === undefined) {
      queue = { holder: undefined, waiting: [] };
      this.queues.set(key, queue);
    }
    queue.waiting.push(ticket);
    this.admitNext(key, queue);
  }

  /** Takes a ticket out of the queue (wait timeout or close) unless it was already admitted. */
  withdraw(key: string, ticket: Ticket): void {
    const queue = this.queues.get(key);
    if (queue === undefined) {
      return;
    }
    const index = queue.waiting.indexOf(ticket);
    if (index >= 0) {
      queue.waiting.splice(index, 1);
    }
    this.admitNext(key, queue);
  }

  /** The holder leaves (release or expiry); the next ticket in line is admitted. */
  vacate(key: string, handle: InProcessLockHandle): void {
    const queue = this.queues.get(key);
    if (queue?.holder !== handle) {
      return;
    }
    queue.holder = undefined;
    this.admitNext(key, queue);
  }

  private admitNext(key: string, queue: KeyQueue): void {
    if (queue.holder !== undefined) {
      return;
    }
    const next = queue.waiting.shift();
    if (next === undefined) {
      this.queues.delete(key);
      return;
    }
    this.lastFencingToken += 1n;
    queue.holder = next.admit(this.lastFencingToken);
  }
}

let processLockSpace: InProcessLockSpace | undefined;

/** Every in-process locks client made by the factory shares this space, like one etcd cluster. */
export function processWideLockSpace(): InProcessLockSpace {
  processLockSpace ??= new InProcessLockSpace();
  return processLockSpace;
}

type HandleState = 'held' | 'released' | 'lost';

class InProcessLockHandle implements LockHandle {
  private state: HandleState = 'held';
  private expiryTimer: NodeJS.Timeout | undefined;
  private readonly lostController = new AbortController();

  constructor(
    readonly key: string,
    readonly fencingToken: bigint,
    private readonly ttlMs: number,
    private readonly autoRenew: boolean,
    private readonly space: InProcessLockSpace,
    private readonly onDone: (handle: InProcessLockHandle) => void,
  ) {
    this.armExpiry();
  }

  get lost(): AbortSignal {
    return this.lostController.signal;
  }

  renew(): Promise<void> {
    switch (this.state) {
      case 'lost':
        return Promise.reject(this.lostController.signal.reason as Error);
      case 'released':
        return Promise.reject(lockReleasedError(this.key));
      case 'held':
        this.armExpiry();
        return Promise.resolve();
    }
  }

  release(): Promise<void> {
    if (this.state === 'held') {
      this.state = 'released';
      this.leave();
    }
    return Promise.resolve();
  }

  /**
   * With auto-renewal the lease lives as long as the process, which here is as long as the
   * waiters too, so only a holder that renews by hand can expire.
   */
  private armExpiry(): void {
    if (this.autoRenew) {
      return;
    }
    clearTimeout(this.expiryTimer);
    this.expiryTimer = setTimeout(() => this.expire(), this.ttlMs);
  }

  private expire(): void {
    if (this.state !== 'held') {
      return;
    }
    this.state = 'lost';
    // Abort before the successor is admitted, so the old holder hears first (as with etcd, where
    // the local lease deadline passes before the server's).
    this.lostController.abort(lockLostError(this.key, 'expired'));
    this.leave();
  }

  private leave(): void {
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    this.onDone(this);
    this.space.vacate(this.key, this);
  }
}

interface PendingAcquire {
  readonly key: string;
  readonly ticket: Ticket;
  readonly fail: (error: Error) => void;
}

/**
 * Distributed-lock semantics inside one process, for the one-process `bank` run and for tests:
 * FIFO per key, wait timeouts, TTL expiry for holders that renew by hand, fencing tokens from one
 * counter. It protects nothing across processes.
 */
export class InProcessDistributedLocks implements DistributedLocks {
  private closed = false;
  private readonly held = new Set<InProcessLockHandle>();
  private readonly pending = new Set<PendingAcquire>();

  constructor(private readonly space: InProcessLockSpace = processWideLockSpace()) {}

  async acquire(key: string, options: AcquireOptions): Promise<LockHandle> {
    assertValidAcquireOptions(key, options);
    if (this.closed) {
      throw locksClosedError(key);
    }
    return await new Promise<LockHandle>((resolve, reject) => {
      const ticket: Ticket = {
        admit: (fencingToken) => {
          clearTimeout(waitTimer);
          this.pending.delete(pendingAcquire);
          const handle = new InProcessLockHandle(
            key,
            fencingToken,
            options.ttlMs,
            options.autoRenew ?? true,
            this.space,
            (done) => this.held.delete(done),
          );
          this.held.add(handle);
          resolve(handle);
          return handle;
        },
      };
      const pendingAcquire: PendingAcquire = {
        key,
        ticket,
        fail: (error) => {
          clearTimeout(waitTimer);
          this.pending.delete(pendingAcquire);
          this.space.withdraw(key, ticket);
          reject(error);
        },
      };
      this.pending.add(pendingAcquire);
      const waitTimer = setTimeout(
        () => pendingAcquire.fail(lockWaitTimeoutError(key, options.waitTimeoutMs)),
        options.waitTimeoutMs,
      );
      this.space.enqueue(key, ticket);
    });
  }

  withLock<T>(
    key: string,
    options: AcquireOptions,
    fn: (lock: LockHandle) => Promise<T>,
  ): Promise<T> {
    return runWithLock(this, key, options, fn);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pendingAcquire of [...this.pending]) {
      pendingAcquire.fail(locksClosedError(pendingAcquire.key));
    }
    await Promise.all([...this.held].map((handle) => handle.release()));
  }
}
