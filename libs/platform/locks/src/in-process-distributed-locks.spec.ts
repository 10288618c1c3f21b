import { InProcessDistributedLocks, InProcessLockSpace } from './in-process-distributed-locks';
import type { LockHandle } from './locks.port';

const HOLD = { ttlMs: 5_000, waitTimeoutMs: 2_000 };

describe('InProcessDistributedLocks', () => {
  let sut: InProcessDistributedLocks;

  beforeEach(() => {
    sut = new InProcessDistributedLocks(new InProcessLockSpace());
  });

  afterEach(async () => {
    await sut.close();
  });

  it('admits waiters in the order they asked (FIFO per key)', async () => {
    const holder = await sut.acquire('fifo', HOLD);
    const admitted: string[] = [];
    const waiters = ['first', 'second', 'third'].map((name) =>
      sut.acquire('fifo', HOLD).then(async (lock: LockHandle) => {
        admitted.push(name);
        await lock.release();
      }),
    );

    await holder.release();
    await Promise.all(waiters);

    expect(admitted).toEqual(['first', 'second', 'third']);
  });

  it('draws fencing tokens for every key from one increasing counter', async () => {
    const onA = await sut.acquire('counter/a', HOLD);
    const onB = await sut.acquire('counter/b', HOLD);
    await onA.release();
    const onAAgain = await sut.acquire('counter/a', HOLD);

    expect(onB.fencingToken).toBeGreaterThan(onA.fencingToken);
    expect(onAAgain.fencingToken).toBeGreaterThan(onB.fencingToken);
  });

  it('does not let a lost holder release its successor', async () => {
    const stale = await sut.acquire('expiry', { ttlMs: 50, waitTimeoutMs: 0, autoRenew: false });
    const successor = await sut.acquire('expiry', HOLD);
    expect(stale.lost.aborted).toBe(true);

    await stale.release();
    const error: unknown = await sut.acquire('expiry', { ttlMs: 1_000, waitTimeoutMs: 20 }).then(
      () => undefined,
      (rejection: unknown) => rejection,
    );

    expect(error).toMatchObject({ code: 'timeout.lock_wait' });
    expect(successor.lost.aborted).toBe(false);
  });
});
