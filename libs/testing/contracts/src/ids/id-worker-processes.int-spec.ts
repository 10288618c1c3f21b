import { Etcd3 } from 'etcd3';

import { parseSnowflake } from '@corebank/platform-ids';
import { startEtcd, type EtcdServer } from '@corebank/testing-engines';

import { startWorkerProcess, type WorkerProcess } from './id-worker-process.harness';

const KEY_PREFIX = 'test/ids';
const LEASE_TTL_SECONDS = 2;
// How long we poll etcd for a dead process's key to expire: its TTL plus generous slack for a
// loaded machine. Only a bound for the wait, never asserted as a duration.
const KEY_EXPIRY_WAIT_MS_MAX = LEASE_TTL_SECONDS * 1000 + 15_000;

describe('id worker leases across real processes sharing one etcd', () => {
  let etcd: EtcdServer;
  let admin: Etcd3;
  const processes: WorkerProcess[] = [];

  function workerEnvironment(): Record<string, string> {
    return {
      ID_WORKER_SOURCE: 'etcd',
      ETCD_ENDPOINTS: etcd.endpoint,
      ID_ETCD_KEY_PREFIX: KEY_PREFIX,
      ID_WORKER_LEASE_TTL_SECONDS: String(LEASE_TTL_SECONDS),
      ID_WORKER_LEASE_SAFETY_MARGIN_MS: '500',
    };
  }

  async function start(): Promise<WorkerProcess> {
    const worker = await startWorkerProcess(workerEnvironment());
    processes.push(worker);
    return worker;
  }

  async function workerKeyExists(workerId: number): Promise<boolean> {
    return (await admin.get(`${KEY_PREFIX}/workers/${workerId}`).string()) !== null;
  }

  async function waitUntilWorkerKeyGone(workerId: number): Promise<void> {
    const deadline = Date.now() + KEY_EXPIRY_WAIT_MS_MAX;
    while (Date.now() < deadline) {
      if (!(await workerKeyExists(workerId))) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`worker key ${workerId} still present after ${KEY_EXPIRY_WAIT_MS_MAX} ms`);
  }

  beforeAll(async () => {
    etcd = await startEtcd();
    admin = new Etcd3({ hosts: etcd.endpoint });
  });

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((worker) => worker.kill()));
    await admin.delete().prefix(KEY_PREFIX);
  });

  afterAll(async () => {
    admin.close();
    await etcd.stop();
  });

  it('never gives two live processes the same worker id, and their ids never collide', async () => {
    const [first, second] = await Promise.all([start(), start()]);
    expect(new Set([first.workerId, second.workerId])).toEqual(new Set([0, 1]));

    const [firstIssued, secondIssued] = await Promise.all([
      first.command('issue 10000', ['issued', 'refused']),
      second.command('issue 10000', ['issued', 'refused']),
    ]);
    expect(firstIssued.event).toBe('issued');
    expect(secondIssued.event).toBe('issued');
    expect(parseSnowflake(String(firstIssued.last)).workerId).toBe(first.workerId);
    expect(parseSnowflake(String(secondIssued.last)).workerId).toBe(second.workerId);
  });

  it('frees a killed process’s worker id only after its lease TTL, then hands it out again', async () => {
    const victim = await start();
    const survivor = await start();
    expect([victim.workerId, survivor.workerId]).toEqual([0, 1]);

    await victim.kill();
    // Killed without a chance to revoke: the key stays until etcd expires the lease. A process
    // starting now must not get the victim's id.
    expect(await workerKeyExists(victim.workerId)).toBe(true);
    const newcomer = await start();
    expect(newcomer.workerId).toBe(2);

    await waitUntilWorkerKeyGone(victim.workerId);
    const successor = await start();
    expect(successor.workerId).toBe(victim.workerId);
    const issued = await successor.command('issue 1', ['issued', 'refused']);
    expect(parseSnowflake(String(issued.first)).workerId).toBe(victim.workerId);
  });

  it('stops a process from issuing ids once its lease is revoked behind its back', async () => {
    const worker = await start();
    expect((await worker.command('issue 1', ['issued', 'refused'])).event).toBe('issued');

    const response = await admin.get(`${KEY_PREFIX}/workers/${worker.workerId}`).exec();
    const leaseId = response.kvs[0].lease;
    await admin.leaseClient.leaseRevoke({ ID: leaseId });

    const lost = await worker.nextEvent(['lost']);
    expect(String(lost.reason)).toMatch(/^lost/);
    const refused = await worker.command('issue 1', ['issued', 'refused']);
    expect(refused).toEqual({ event: 'refused', code: 'unavailable.id_worker_lease' });
  });

  it('frees the worker id at once on a graceful release', async () => {
    const worker = await start();
    await worker.command('issue 5', ['issued']);
    await worker.command('release', ['released']);
    expect(await workerKeyExists(worker.workerId)).toBe(false);
    // The next holder resumes after the released worker's last id (recorded on release).
    expect(await admin.get(`${KEY_PREFIX}/last-timestamp/${worker.workerId}`).string()).toMatch(
      /^\d+$/,
    );
  });
});
