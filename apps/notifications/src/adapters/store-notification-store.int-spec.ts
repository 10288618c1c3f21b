import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  createDistributedLocks,
  type DistributedLocks,
  type LockHandle,
} from '@corebank/platform-locks';
import { createStore, type Store } from '@corebank/platform-storage';
import { type EtcdServer, startEtcd } from '@corebank/testing-engines';

import { NOTIFICATIONS_MIGRATIONS } from './notification-tables';
import { StoreNotificationStore } from './store-notification-store';

jest.setTimeout(60_000);

const MARKER = { deliveryKey: 'item:tx_1', targetId: 'device_1' };

async function waitForLoss(lock: LockHandle, timeoutMs: number): Promise<void> {
  if (lock.lost.aborted) {
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`lease not lost in ${timeoutMs} ms`)),
      timeoutMs,
    );
    lock.lost.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * The scenario of ARCHITECTURE §8: holder A's lease expires while it is sending; B takes the
 * lock with a newer fencing token and claims the marker; A's late "sent" write must be refused.
 */
async function expiredHolderScenario(
  locks: DistributedLocks,
  store: StoreNotificationStore,
  ttlMs: number,
) {
  const lockKey = `notifications/delivery/${MARKER.deliveryKey}/${MARKER.targetId}`;
  const holderA = await locks.acquire(lockKey, { ttlMs, waitTimeoutMs: 1_000, autoRenew: false });
  expect(await store.claimDelivery(MARKER, holderA.fencingToken)).toEqual({ kind: 'claimed' });
  await waitForLoss(holderA, ttlMs * 4 + 5_000);

  const holderB = await locks.acquire(lockKey, { ttlMs, waitTimeoutMs: 5_000 });
  expect(holderB.fencingToken).toBeGreaterThan(holderA.fencingToken);
  expect(await store.claimDelivery(MARKER, holderB.fencingToken)).toEqual({ kind: 'claimed' });

  // A wakes up after its provider call and tries to record it: refused.
  expect(await store.finishDelivery(MARKER, holderA.fencingToken, 'sent')).toBe(false);
  // A retrying its claim with the stale token is fenced out too.
  expect(await store.claimDelivery(MARKER, holderA.fencingToken)).toEqual({ kind: 'fenced_out' });
  expect(await store.finishDelivery(MARKER, holderB.fencingToken, 'sent')).toBe(true);
  await holderB.release();

  // Any later holder sees the delivery finished and sends nothing.
  const holderC = await locks.acquire(lockKey, { ttlMs, waitTimeoutMs: 5_000 });
  expect(await store.claimDelivery(MARKER, holderC.fencingToken)).toEqual({
    kind: 'finished',
    state: 'sent',
  });
  await holderC.release();
}

describe('delivery markers fenced by lock tokens', () => {
  let directory: string;
  let rawStore: Store;
  let store: StoreNotificationStore;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'notifications-markers-'));
    rawStore = await createStore({ engine: 'sqlite', path: join(directory, 'store.db') });
    await rawStore.migrate(NOTIFICATIONS_MIGRATIONS);
    store = new StoreNotificationStore(rawStore, () => new Date());
  });

  afterEach(async () => {
    await rawStore.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('refuses an expired in-process holder marker write after its successor claimed', async () => {
    const locks = createDistributedLocks({ engine: 'in-process' });
    try {
      await expiredHolderScenario(locks, store, 150);
    } finally {
      await locks.close();
    }
  });

  describe('with real etcd', () => {
    let etcd: EtcdServer;

    beforeAll(async () => {
      etcd = await startEtcd();
    });

    afterAll(async () => {
      await etcd?.stop();
    });

    it('refuses an expired etcd holder marker write after its successor claimed', async () => {
      const locks = createDistributedLocks({
        engine: 'etcd',
        endpoints: [etcd.endpoint],
        prefix: 'corebank/test-locks',
      });
      try {
        // etcd's minimum lease is 2 s.
        await expiredHolderScenario(locks, store, 2_000);
      } finally {
        await locks.close();
      }
    });
  });

  it('a first claim wins and a finished delivery stays finished', async () => {
    expect(await store.claimDelivery(MARKER, 10n)).toEqual({ kind: 'claimed' });
    expect(await store.claimDelivery(MARKER, 9n)).toEqual({ kind: 'fenced_out' });
    expect(await store.finishDelivery(MARKER, 10n, 'expired')).toBe(true);
    expect(await store.finishDelivery(MARKER, 10n, 'sent')).toBe(false);
    expect(await store.claimDelivery(MARKER, 11n)).toEqual({ kind: 'finished', state: 'expired' });
  });
});
