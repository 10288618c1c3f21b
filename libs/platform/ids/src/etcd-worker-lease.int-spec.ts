import { Etcd3 } from 'etcd3';

import { ManualClock, systemClock } from '@corebank/platform-clock';
import { isPlatformError, type PlatformError } from '@corebank/platform-errors';
import { startEtcd, type EtcdServer } from '@corebank/testing-engines';

import { EtcdWorkerLease, type EtcdWorkerLeaseOptions } from './etcd-worker-lease';
import { SnowflakeGenerator } from './snowflake-generator';
import { SNOWFLAKE_WORKER_ID_MAX } from './snowflake';

const KEY_PREFIX = 'test/ids';
const TTL_SECONDS = 2;
const SAFETY_MARGIN_MS = 500;
// Bounds for waiting on asynchronous lease events; generous for a machine shared by many tests.
const EVENT_WAIT_MS_MAX = 20_000;

function thrownBy(run: () => unknown): PlatformError {
  try {
    run();
  } catch (error) {
    if (isPlatformError(error)) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a PlatformError');
}

async function waitForAbort(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) {
    return signal.reason;
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not aborted in ${EVENT_WAIT_MS_MAX} ms`)),
      EVENT_WAIT_MS_MAX,
    );
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve(signal.reason);
    });
  });
}

describe('EtcdWorkerLease against a real etcd', () => {
  let etcd: EtcdServer;
  let admin: Etcd3;
  const clients: Etcd3[] = [];
  const leases: EtcdWorkerLease[] = [];

  function options(overrides: Partial<EtcdWorkerLeaseOptions> = {}): EtcdWorkerLeaseOptions {
    const client = new Etcd3({ hosts: etcd.endpoint });
    clients.push(client);
    return {
      client,
      keyPrefix: KEY_PREFIX,
      ttlSeconds: TTL_SECONDS,
      safetyMarginMs: SAFETY_MARGIN_MS,
      holderName: 'test',
      ...overrides,
    };
  }

  async function claim(overrides: Partial<EtcdWorkerLeaseOptions> = {}): Promise<EtcdWorkerLease> {
    const lease = await EtcdWorkerLease.claim(options(overrides));
    leases.push(lease);
    return lease;
  }

  beforeAll(async () => {
    etcd = await startEtcd();
    admin = new Etcd3({ hosts: etcd.endpoint });
  });

  afterEach(async () => {
    await Promise.all(leases.splice(0).map((lease) => lease.release().catch(() => undefined)));
    for (const client of clients.splice(0)) {
      client.close();
    }
    await admin.delete().prefix(KEY_PREFIX);
  });

  afterAll(async () => {
    admin.close();
    await etcd.stop();
  });

  it('gives concurrent claimants distinct worker ids, lowest first', async () => {
    const claimed = await Promise.all(Array.from({ length: 8 }, () => claim()));
    expect(claimed.map((lease) => lease.workerId).sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7,
    ]);
  });

  it('hands a released worker id to the next claimant with the last timestamp used', async () => {
    const [first, second] = [await claim(), await claim()];
    expect([first.workerId, second.workerId]).toEqual([0, 1]);
    await first.release(1_800_000_000_000);
    expect(first.lost.aborted).toBe(true);
    expect(thrownBy(() => first.assertHeld()).params).toEqual({ workerId: 0, reason: 'lost' });

    const next = await claim();
    expect(next.workerId).toBe(0);
    expect(next.previousHolderLastTimestampMs).toBe(1_800_000_000_000);

    // A host whose clock is far behind the previous holder's refuses rather than repeat its ids.
    const generator = new SnowflakeGenerator({
      clock: new ManualClock(1_800_000_000_000 - 60_000),
      workerLease: next,
    });
    expect(thrownBy(() => generator.nextId()).code).toBe('unavailable.clock_moved_backwards');
  });

  it('refuses with exhausted.id_worker_ids when all 1024 are held, and gives its lease back', async () => {
    // Someone else holds every worker id; written in batches of etcd's default transaction limit.
    const putsPerTransaction = 128;
    for (let from = 0; from <= SNOWFLAKE_WORKER_ID_MAX; from += putsPerTransaction) {
      const puts = Array.from({ length: putsPerTransaction }, (_, offset) =>
        admin.put(`${KEY_PREFIX}/workers/${from + offset}`).value('someone-else'),
      );
      await admin
        .if(`${KEY_PREFIX}/workers/0`, 'Version', '>', -1)
        .then(...puts)
        .commit();
    }
    const leasesBefore = (await admin.leaseClient.leaseLeases({})).leases.length;

    let thrown: unknown;
    try {
      await claim();
    } catch (error) {
      thrown = error;
    }
    expect(isPlatformError(thrown) && thrown.code).toBe('exhausted.id_worker_ids');
    expect((await admin.leaseClient.leaseLeases({})).leases.length).toBe(leasesBefore);
  });

  it('refuses a worker whose recorded last timestamp is unreadable rather than risk repeats', async () => {
    await admin.put(`${KEY_PREFIX}/last-timestamp/0`).value('not-a-number');
    let thrown: unknown;
    try {
      await claim();
    } catch (error) {
      thrown = error;
    }
    expect(isPlatformError(thrown) && thrown.code).toBe('internal.id_worker_state');
    // Its lease was revoked, so the worker id is free again.
    expect(await admin.get(`${KEY_PREFIX}/workers/0`).string()).toBeNull();
  });

  it('keeps the lease, and ids flowing, past its TTL while keepalives are answered', async () => {
    const lease = await claim();
    const generator = new SnowflakeGenerator({
      clock: systemClock,
      workerLease: lease,
    });
    await new Promise((resolve) => setTimeout(resolve, TTL_SECONDS * 1000 + 1000));
    expect(() => generator.nextId()).not.toThrow();
    expect(lease.lost.aborted).toBe(false);
  });

  it('reports loss and stops ids when the lease is revoked behind its back', async () => {
    const lease = await claim();
    const generator = new SnowflakeGenerator({
      clock: systemClock,
      workerLease: lease,
    });
    generator.nextId();

    await admin.leaseClient.leaseRevoke({ ID: lease.etcdLeaseId });

    expect(String(await waitForAbort(lease.lost))).toMatch(/^lost/);
    const error = thrownBy(() => generator.nextId());
    expect(error.code).toBe('unavailable.id_worker_lease');
    expect(error.params).toEqual({ workerId: lease.workerId, reason: 'lost' });
  });

  it('stops ids before the lease could expire when etcd stops answering', async () => {
    const ownEtcd = await startEtcd();
    const client = new Etcd3({ hosts: ownEtcd.endpoint });
    try {
      const lease = await EtcdWorkerLease.claim({ ...options(), client });
      const generator = new SnowflakeGenerator({
        clock: systemClock,
        workerLease: lease,
      });
      generator.nextId();

      await ownEtcd.stop();

      // Poll until the generator refuses; bounded, and the bound is not an assertion on speed.
      let refusal: PlatformError | undefined;
      const deadline = Date.now() + EVENT_WAIT_MS_MAX;
      while (refusal === undefined && Date.now() < deadline) {
        try {
          generator.nextId();
          await new Promise((resolve) => setTimeout(resolve, 50));
        } catch (error) {
          if (!isPlatformError(error)) {
            throw error;
          }
          refusal = error;
        }
      }
      expect(refusal?.code).toBe('unavailable.id_worker_lease');
      // It stopped on its own deadline, before etcd3 gave the lease up (2 x TTL without contact).
      expect(refusal?.params).toEqual({ workerId: lease.workerId, reason: 'unconfirmed' });
      await lease.release().catch(() => undefined);
    } finally {
      client.close();
      await ownEtcd.stop();
    }
  });
});
