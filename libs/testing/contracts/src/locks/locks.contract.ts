import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';

import { isPlatformError } from '@corebank/platform-errors';
import type { AcquireOptions, DistributedLocks, LockHandle } from '@corebank/platform-locks';
import type { Store } from '@corebank/platform-storage';

import { FENCED_RESOURCES_MIGRATION, FENCED_RESOURCES_TABLE, writeFenced } from './fenced-write';

export interface LocksContractFixture {
  /** A new client on the same lock space, as another process would hold one. */
  newLocks(): DistributedLocks;
  /** The TTL the expiry scenarios ask for (etcd leases are whole seconds, at least 1). */
  readonly expiryTtlMs: number;
  /**
   * How much longer than `expiryTtlMs` the engine may take to free an expired lock (etcd raises
   * TTLs to its 2 s minimum and looks for expired leases every 500 ms).
   */
  readonly expirySlackMs: number;
  /** A store with compare-and-set, for the fenced writes. */
  openStore(): Promise<Store>;
  dispose(): Promise<void>;
}

const CONTENDERS = 10;
/** Long enough that no lock in the non-expiry scenarios can expire while the test runs. */
const LONG_TTL_MS = 30_000;
/** Generous: these waits are expected to succeed, so only a broken adapter reaches the bound. */
const SUCCESSFUL_WAIT_TIMEOUT_MS = 15_000;

function expectPlatformError(error: unknown, code: string, retryable: boolean): void {
  expect(isPlatformError(error)).toBe(true);
  expect(error).toMatchObject({ code, retryable });
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** Resolves when `signal` aborts, or rejects after `timeoutMs`. */
async function abortedWithin(signal: AbortSignal, timeoutMs: number): Promise<unknown> {
  if (signal.aborted) {
    return signal.reason;
  }
  const controller = new AbortController();
  try {
    return await Promise.race([
      new Promise((resolve) => {
        signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
      }),
      delay(timeoutMs, undefined, { signal: controller.signal }).then(() => {
        throw new Error(`lost was not aborted within ${timeoutMs} ms`);
      }),
    ]);
  } finally {
    controller.abort();
  }
}

/**
 * The behaviour every `DistributedLocks` adapter owes its callers. Each scenario uses its own lock
 * key, so scenarios never wait on each other even when the engine outlives one of them.
 */
export function describeLocksContract(
  name: string,
  setUp: () => Promise<LocksContractFixture>,
): void {
  describe(`DistributedLocks contract: ${name}`, () => {
    let fixture: LocksContractFixture | undefined;
    let clients: DistributedLocks[] = [];

    const ready = (): LocksContractFixture => {
      if (fixture === undefined) {
        throw new Error('the locks contract fixture failed to set up');
      }
      return fixture;
    };
    const newLocks = (): DistributedLocks => {
      const locks = ready().newLocks();
      clients.push(locks);
      return locks;
    };
    const uniqueKey = (scenario: string): string => `contract/${scenario}/${randomUUID()}`;
    const holdLong = (waitTimeoutMs: number): AcquireOptions => ({
      ttlMs: LONG_TTL_MS,
      waitTimeoutMs,
    });

    beforeAll(async () => {
      fixture = await setUp();
    });

    afterEach(async () => {
      const closing = clients;
      clients = [];
      await Promise.all(closing.map((locks) => locks.close()));
    });

    afterAll(async () => {
      await fixture?.dispose();
    });

    it(`admits one of ${CONTENDERS} contenders at a time, in fencing-token order`, async () => {
      const key = uniqueKey('mutual-exclusion');
      const sutClients = [newLocks(), newLocks(), newLocks()];
      let sharedCounter = 0;
      let insideNow = 0;
      let overlapsSeen = 0;
      const tokensInEntryOrder: bigint[] = [];

      await Promise.all(
        Array.from({ length: CONTENDERS }, (_, contender) =>
          sutClients[contender % sutClients.length].withLock(
            key,
            holdLong(SUCCESSFUL_WAIT_TIMEOUT_MS),
            async (lock) => {
              insideNow += 1;
              if (insideNow > 1) {
                overlapsSeen += 1;
              }
              tokensInEntryOrder.push(lock.fencingToken);
              // A read-modify-write with an await in the middle loses updates under overlap.
              const seen = sharedCounter;
              await delay(5);
              sharedCounter = seen + 1;
              insideNow -= 1;
            },
          ),
        ),
      );

      expect(overlapsSeen).toBe(0);
      expect(sharedCounter).toBe(CONTENDERS);
      const sorted = [...tokensInEntryOrder].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect(tokensInEntryOrder).toEqual(sorted);
      expect(new Set(tokensInEntryOrder).size).toBe(CONTENDERS);
    });

    it('queues a waiter until the holder releases, then grants it a higher fencing token', async () => {
      const key = uniqueKey('queueing');
      const [holderClient, waiterClient] = [newLocks(), newLocks()];
      const holder = await holderClient.acquire(key, holdLong(SUCCESSFUL_WAIT_TIMEOUT_MS));
      let waiterGranted = false;
      const waiting = waiterClient
        .acquire(key, holdLong(SUCCESSFUL_WAIT_TIMEOUT_MS))
        .then((handle) => {
          waiterGranted = true;
          return handle;
        });

      await delay(300);
      expect(waiterGranted).toBe(false);
      await holder.release();
      const waiter = await waiting;

      expect(waiter.fencingToken).toBeGreaterThan(holder.fencingToken);
      expect(holder.lost.aborted).toBe(false);
      expect(waiter.lost.aborted).toBe(false);
      await waiter.release();
    });

    it('gives up after waitTimeoutMs with timeout.lock_wait and leaves the queue', async () => {
      const key = uniqueKey('wait-timeout');
      const [holderClient, impatientClient, laterClient] = [newLocks(), newLocks(), newLocks()];
      const holder = await holderClient.acquire(key, holdLong(SUCCESSFUL_WAIT_TIMEOUT_MS));

      const error = await rejectionOf(impatientClient.acquire(key, holdLong(300)));
      expectPlatformError(error, 'timeout.lock_wait', true);

      // The impatient waiter's place must be gone, or this one would queue behind it for 30 s.
      await holder.release();
      const later = await laterClient.acquire(key, holdLong(SUCCESSFUL_WAIT_TIMEOUT_MS));
      expect(later.fencingToken).toBeGreaterThan(holder.fencingToken);
      await later.release();
    });

    it('keeps an auto-renewed lock past its TTL', async () => {
      const { expiryTtlMs, expirySlackMs } = ready();
      const key = uniqueKey('auto-renew');
      const [holderClient, waiterClient] = [newLocks(), newLocks()];
      const holder = await holderClient.acquire(key, {
        ttlMs: expiryTtlMs,
        waitTimeoutMs: SUCCESSFUL_WAIT_TIMEOUT_MS,
      });

      const error = await rejectionOf(
        waiterClient.acquire(key, {
          ttlMs: expiryTtlMs,
          waitTimeoutMs: expiryTtlMs + expirySlackMs,
        }),
      );

      expectPlatformError(error, 'timeout.lock_wait', true);
      expect(holder.lost.aborted).toBe(false);
      await holder.renew();
      await holder.release();
    });

    it('after the holder stops renewing, aborts its lost signal, admits the next holder with a higher token, and the store refuses the old token', async () => {
      const { expiryTtlMs, expirySlackMs } = ready();
      const key = uniqueKey('lease-expiry');
      const resourceId = randomUUID();
      const store = await ready().openStore();
      try {
        await store.migrate([FENCED_RESOURCES_MIGRATION]);
        const [staleClient, successorClient] = [newLocks(), newLocks()];
        const stale = await staleClient.acquire(key, {
          ttlMs: expiryTtlMs,
          waitTimeoutMs: SUCCESSFUL_WAIT_TIMEOUT_MS,
          autoRenew: false,
        });
        expect(await writeFenced(store, resourceId, 'by-first-holder', stale.fencingToken)).toEqual(
          {
            kind: 'written',
          },
        );

        const successor: LockHandle = await successorClient.acquire(key, {
          ttlMs: LONG_TTL_MS,
          waitTimeoutMs: expiryTtlMs + expirySlackMs,
        });

        // The old holder hears of the loss no later than its successor is admitted.
        expect(stale.lost.aborted).toBe(true);
        expectPlatformError(stale.lost.reason, 'conflict.lock_lost', false);
        expect(successor.fencingToken).toBeGreaterThan(stale.fencingToken);
        expect(
          await writeFenced(store, resourceId, 'by-successor', successor.fencingToken),
        ).toEqual({ kind: 'written' });
        expect(
          await writeFenced(store, resourceId, 'late-stale-write', stale.fencingToken),
        ).toEqual({ kind: 'refused_stale_token', storedFencingToken: successor.fencingToken });
        const stored = await store.get(FENCED_RESOURCES_TABLE.name, { resource_id: resourceId });
        expect(stored).toMatchObject({
          value: 'by-successor',
          fencing_token: successor.fencingToken,
        });
        expectPlatformError(await rejectionOf(stale.renew()), 'conflict.lock_lost', false);
        // Releasing a lost lock is harmless and must not free the successor's lock.
        await stale.release();
        expect(successor.lost.aborted).toBe(false);
        await successor.release();
      } finally {
        await store.close();
      }
    });

    it('keeps a lock renewed by hand, and loses it once renewals stop', async () => {
      const { expiryTtlMs, expirySlackMs } = ready();
      const key = uniqueKey('manual-renew');
      const holder = await newLocks().acquire(key, {
        ttlMs: expiryTtlMs,
        waitTimeoutMs: SUCCESSFUL_WAIT_TIMEOUT_MS,
        autoRenew: false,
      });

      // Five renewals a third of a TTL apart outlive the first lease period by two thirds.
      for (let renewal = 0; renewal < 5; renewal += 1) {
        await delay(expiryTtlMs / 3);
        await holder.renew();
      }
      expect(holder.lost.aborted).toBe(false);

      const reason = await abortedWithin(holder.lost, expiryTtlMs + expirySlackMs);
      expectPlatformError(reason, 'conflict.lock_lost', false);
      await holder.release();
    });

    it('withLock releases the lock when fn throws and rethrows the same error', async () => {
      const key = uniqueKey('with-lock-throws');
      const locks = newLocks();
      const failure = new Error('effect failed');
      let heldLock: LockHandle | undefined;

      const error = await rejectionOf(
        locks.withLock(key, holdLong(SUCCESSFUL_WAIT_TIMEOUT_MS), (lock) => {
          heldLock = lock;
          return Promise.reject(failure);
        }),
      );

      expect(error).toBe(failure);
      expect(heldLock?.lost.aborted).toBe(false);
      const next = await newLocks().acquire(key, holdLong(1_000));
      expect(next.fencingToken).toBeGreaterThan(heldLock!.fencingToken);
      await next.release();
    });

    it('withLock resolves with the value fn returns', async () => {
      const locks = newLocks();
      const result = await locks.withLock(
        uniqueKey('with-lock-value'),
        holdLong(SUCCESSFUL_WAIT_TIMEOUT_MS),
        (lock) => Promise.resolve(`token ${lock.fencingToken}`),
      );
      expect(result).toMatch(/^token \d+$/);
    });

    it('close() fails pending acquires, releases held locks and refuses new acquires', async () => {
      const key = uniqueKey('close');
      const [holderClient, waiterClient] = [newLocks(), newLocks()];
      const holder = await holderClient.acquire(key, holdLong(SUCCESSFUL_WAIT_TIMEOUT_MS));
      const pending = rejectionOf(waiterClient.acquire(key, holdLong(SUCCESSFUL_WAIT_TIMEOUT_MS)));
      await delay(100);

      await waiterClient.close();
      expectPlatformError(await pending, 'unavailable.locks_closed', false);
      expectPlatformError(
        await rejectionOf(waiterClient.acquire(key, holdLong(1_000))),
        'unavailable.locks_closed',
        false,
      );

      await holderClient.close();
      expect(holder.lost.aborted).toBe(false);
      const next = await newLocks().acquire(key, holdLong(1_000));
      expect(next.fencingToken).toBeGreaterThan(holder.fencingToken);
      await next.release();
    });

    it('treats keys that share a prefix as different locks', async () => {
      const key = uniqueKey('prefix');
      const locks = newLocks();
      const parent = await locks.acquire(key, holdLong(1_000));
      const child = await locks.acquire(`${key}/child`, holdLong(1_000));
      expect(child.fencingToken).toBeGreaterThan(parent.fencingToken);
      await Promise.all([parent.release(), child.release()]);
    });

    it('refuses options no engine can honour with invalid.lock_options', async () => {
      const locks = newLocks();
      for (const options of [
        { ttlMs: 0, waitTimeoutMs: 1_000 },
        { ttlMs: 1_000, waitTimeoutMs: -1 },
        { ttlMs: Number.NaN, waitTimeoutMs: 1_000 },
        // Beyond what a Node timer can wait, the TTL would silently become zero.
        { ttlMs: 2 ** 31, waitTimeoutMs: 1_000 },
      ]) {
        expectPlatformError(
          await rejectionOf(locks.acquire(uniqueKey('invalid'), options)),
          'invalid.lock_options',
          false,
        );
      }
      expectPlatformError(
        await rejectionOf(locks.acquire('', holdLong(1_000))),
        'invalid.lock_options',
        false,
      );
    });
  });
}
