import { isPlatformError } from '@corebank/platform-errors';

import { EtcdDistributedLocks } from './etcd-distributed-locks';
import { InProcessDistributedLocks } from './in-process-distributed-locks';
import { createDistributedLocks } from './locks.factory';

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

describe('createDistributedLocks', () => {
  it('builds the etcd adapter from an etcd config without connecting yet', async () => {
    const sut = createDistributedLocks({
      engine: 'etcd',
      endpoints: ['http://127.0.0.1:2379'],
      prefix: 'corebank/locks',
    });
    expect(sut).toBeInstanceOf(EtcdDistributedLocks);
    await sut.close();
  });

  it('gives every in-process client the same lock space, as one etcd cluster would', async () => {
    const [first, second] = [
      createDistributedLocks({ engine: 'in-process' }),
      createDistributedLocks({ engine: 'in-process' }),
    ];
    expect(first).toBeInstanceOf(InProcessDistributedLocks);
    const held = await first.acquire('factory/shared-space', { ttlMs: 5_000, waitTimeoutMs: 0 });

    const error = await rejectionOf(
      second.acquire('factory/shared-space', { ttlMs: 5_000, waitTimeoutMs: 50 }),
    );

    expect(error).toMatchObject({ code: 'timeout.lock_wait', retryable: true });
    await held.release();
    await Promise.all([first.close(), second.close()]);
  });

  it.each([
    ['no endpoints', { engine: 'etcd', endpoints: [], prefix: 'corebank/locks' }],
    ['an endpoint that is no URL', { engine: 'etcd', endpoints: ['etcd:2379'], prefix: 'p' }],
    [
      'a prefix ending in /',
      { engine: 'etcd', endpoints: ['http://127.0.0.1:2379'], prefix: 'p/' },
    ],
    [
      'a zero request timeout',
      { engine: 'etcd', endpoints: ['http://127.0.0.1:2379'], prefix: 'p', requestTimeoutMs: 0 },
    ],
    ['an unknown engine', { engine: 'zookeeper' }],
  ])('refuses a config with %s as invalid.locks_config', (_, config) => {
    let thrown: unknown;
    try {
      createDistributedLocks(config as Parameters<typeof createDistributedLocks>[0]);
    } catch (error) {
      thrown = error;
    }
    expect(isPlatformError(thrown)).toBe(true);
    expect(thrown).toMatchObject({ code: 'invalid.locks_config', retryable: false });
  });
});
