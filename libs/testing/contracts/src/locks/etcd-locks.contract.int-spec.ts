import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createDistributedLocks } from '@corebank/platform-locks';
import { SqliteStore } from '@corebank/platform-storage';
import { startEtcd } from '@corebank/testing-engines';

import { describeLocksContract } from './locks.contract';

describeLocksContract('etcd', async () => {
  const etcd = await startEtcd();
  const dataDir = mkdtempSync(join(tmpdir(), 'corebank-locks-contract-'));
  return {
    newLocks: () =>
      createDistributedLocks({
        engine: 'etcd',
        endpoints: [etcd.endpoint],
        prefix: 'corebank-test/locks',
        requestTimeoutMs: 2_000,
      }),
    // etcd's minimum lease TTL is 2 s; asking for exactly that keeps the expiry timing honest.
    expiryTtlMs: 2_000,
    // etcd scans for expired leases every 500 ms; the rest covers a busy shared machine.
    expirySlackMs: 2_000,
    openStore: () => SqliteStore.open({ path: join(dataDir, 'fenced.sqlite') }),
    dispose: async () => {
      await etcd.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});
