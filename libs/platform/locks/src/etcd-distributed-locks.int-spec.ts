import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Etcd3 } from 'etcd3';

import { isPlatformError } from '@corebank/platform-errors';
import { type EtcdServer, freePort, startEtcd } from '@corebank/testing-engines';

import { EtcdDistributedLocks } from './etcd-distributed-locks';

const PREFIX = 'corebank-test/locks';
const REQUEST_TIMEOUT_MS = 1_000;
/** etcd's minimum lease TTL; asking for it keeps the expiry scenarios as short as etcd allows. */
const TTL_MS = 2_000;

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** Resolves with the abort reason, or rejects when `signal` is not aborted within `timeoutMs`. */
async function abortReasonWithin(signal: AbortSignal, timeoutMs: number): Promise<unknown> {
  if (signal.aborted) {
    return signal.reason;
  }
  const timer = new AbortController();
  try {
    return await Promise.race([
      new Promise((resolve) => {
        signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
      }),
      delay(timeoutMs, undefined, { signal: timer.signal }).then(() => {
        throw new Error(`lost was not aborted within ${timeoutMs} ms`);
      }),
    ]);
  } finally {
    timer.abort();
  }
}

/** Starts the lock-holder child and resolves with its fencing token once it holds the lock. */
async function startHolderProcess(
  endpoint: string,
  key: string,
): Promise<{ child: ChildProcess; fencingToken: bigint }> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      '@swc-node/register',
      join(__dirname, 'etcd-lock-holder.child.ts'),
      endpoint,
      PREFIX,
      key,
      String(TTL_MS),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const fencingToken = await new Promise<bigint>((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error(`holder did not start: ${stderr}`)), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line !== undefined) {
        clearTimeout(timeout);
        resolve(BigInt((JSON.parse(line) as { fencingToken: string }).fencingToken));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timeout);
      reject(new Error(`holder exited with ${code}: ${stderr}`));
    });
  });
  return { child, fencingToken };
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe('EtcdDistributedLocks on a real etcd', () => {
  let etcd: EtcdServer;
  let inspector: Etcd3;
  const opened: EtcdDistributedLocks[] = [];
  const newLocks = (endpoint = etcd.endpoint): EtcdDistributedLocks => {
    const locks = new EtcdDistributedLocks({
      endpoints: [endpoint],
      prefix: PREFIX,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
    });
    opened.push(locks);
    return locks;
  };
  const waiterKeysOf = (key: string): Promise<number> =>
    inspector
      .getAll()
      .prefix(`${PREFIX}/${encodeURIComponent(key)}/`)
      .count();

  beforeAll(async () => {
    etcd = await startEtcd();
    inspector = new Etcd3({ hosts: etcd.endpoint });
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((locks) => locks.close()));
  });

  afterAll(async () => {
    inspector.close();
    await etcd.stop();
  });

  it('uses the waiter key create revision as fencing token and deletes the key on release', async () => {
    const key = `orders/${randomUUID()}`;
    const lock = await newLocks().acquire(key, { ttlMs: TTL_MS, waitTimeoutMs: 5_000 });

    const response = await inspector
      .getAll()
      .prefix(`${PREFIX}/${encodeURIComponent(key)}/`)
      .exec();
    expect(response.kvs).toHaveLength(1);
    const [waiterKey] = response.kvs;
    expect(BigInt(waiterKey.create_revision)).toBe(lock.fencingToken);
    expect(waiterKey.lease).not.toBe('0');
    expect(waiterKey.key.toString()).toBe(
      `${PREFIX}/${encodeURIComponent(key)}/${waiterKey.lease}`,
    );

    await lock.release();
    expect(await waiterKeysOf(key)).toBe(0);
  });

  it('revokes the key of a waiter that timed out, leaving only the holder queued', async () => {
    const key = `timeout/${randomUUID()}`;
    const holder = await newLocks().acquire(key, { ttlMs: TTL_MS, waitTimeoutMs: 5_000 });

    const error = await rejectionOf(newLocks().acquire(key, { ttlMs: TTL_MS, waitTimeoutMs: 200 }));

    expect(error).toMatchObject({ code: 'timeout.lock_wait', retryable: true });
    expect(await waiterKeysOf(key)).toBe(1);
    await holder.release();
  });

  it('reports a lock lost as revoked when someone else deletes its key', async () => {
    const key = `deleted/${randomUUID()}`;
    const lock = await newLocks().acquire(key, { ttlMs: 10_000, waitTimeoutMs: 5_000 });
    // The own-key watch is set up just after acquire returns; give it a moment to connect.
    await delay(200);

    await inspector
      .delete()
      .prefix(`${PREFIX}/${encodeURIComponent(key)}/`)
      .exec();

    const reason = await abortReasonWithin(lock.lost, 3_000);
    expect(reason).toMatchObject({
      code: 'conflict.lock_lost',
      params: { key, reason: 'revoked' },
    });
  });

  it('frees the lock of a holder process killed with SIGKILL once its lease expires', async () => {
    const key = `crash/${randomUUID()}`;
    const { child, fencingToken: crashedToken } = await startHolderProcess(etcd.endpoint, key);
    try {
      let successorGranted = false;
      const successor = newLocks()
        .acquire(key, { ttlMs: TTL_MS, waitTimeoutMs: 15_000 })
        .then((lock) => {
          successorGranted = true;
          return lock;
        });
      // The live child keeps renewing for longer than its TTL, so nobody may get in meanwhile.
      await delay(TTL_MS + 500);
      expect(successorGranted).toBe(false);

      await killAndWait(child);
      const lock = await successor;

      expect(lock.fencingToken).toBeGreaterThan(crashedToken);
      await lock.release();
    } finally {
      await killAndWait(child);
    }
  });

  it('fails acquire with unavailable.lock_engine when etcd cannot be reached', async () => {
    const nobodyListens = `http://127.0.0.1:${await freePort()}`;
    const error = await rejectionOf(
      newLocks(nobodyListens).acquire(`unreachable/${randomUUID()}`, {
        ttlMs: TTL_MS,
        waitTimeoutMs: 1_000,
      }),
    );
    expect(isPlatformError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'unavailable.lock_engine', retryable: true });
  });

  describe('when etcd stops while a lock is held', () => {
    let ownEtcd: EtcdServer | undefined;

    afterEach(async () => {
      await ownEtcd?.stop();
    });

    it('aborts lost within the lease TTL, and renew() throws', async () => {
      ownEtcd = await startEtcd();
      const locks = newLocks(ownEtcd.endpoint);
      const lock = await locks.acquire(`outage/${randomUUID()}`, {
        ttlMs: TTL_MS,
        waitTimeoutMs: 5_000,
      });

      await ownEtcd.stop();
      const renewDuringOutage = await rejectionOf(lock.renew());
      expect(isPlatformError(renewDuringOutage)).toBe(true);

      const reason = await abortReasonWithin(lock.lost, TTL_MS + 1_000);
      expect(reason).toMatchObject({
        code: 'conflict.lock_lost',
        params: { reason: 'engine_unreachable' },
      });
      expect(await rejectionOf(lock.renew())).toMatchObject({
        code: 'conflict.lock_lost',
        retryable: false,
      });
      // Release and close must not hang on the missing engine.
      await lock.release();
      await locks.close();
    });
  });
});
