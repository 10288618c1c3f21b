import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { InProcessDistributedLocks, InProcessLockSpace } from '@corebank/platform-locks';
import { SqliteStore } from '@corebank/platform-storage';

import { describeLocksContract } from './locks.contract';

describeLocksContract('in-process', () => {
  // A private space per run, so this file shares no queue or counter with anything else.
  const space = new InProcessLockSpace();
  const dataDir = mkdtempSync(join(tmpdir(), 'corebank-locks-contract-'));
  return Promise.resolve({
    newLocks: () => new InProcessDistributedLocks(space),
    expiryTtlMs: 300,
    expirySlackMs: 700,
    openStore: () => SqliteStore.open({ path: join(dataDir, 'fenced.sqlite') }),
    dispose: () => {
      rmSync(dataDir, { recursive: true, force: true });
      return Promise.resolve();
    },
  });
});
