import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@corebank/platform-storage';
import { startSqliteChildProcessStores } from './child-process-store';
import { describeStoreContract } from './store.contract';

// Races run in child processes on the same file: in one process better-sqlite3 never overlaps.
describeStoreContract('SqliteStore, races across child processes on one file', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'corebank-store-contract-'));
  const path = join(directory, 'store.db');
  const store = await SqliteStore.open({ path });
  return {
    store,
    openConcurrentClients: (count) => startSqliteChildProcessStores(count, path),
    dispose: async () => {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
});
