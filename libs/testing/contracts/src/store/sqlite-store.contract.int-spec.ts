import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@corebank/platform-storage';
import Database from 'better-sqlite3';
import { startSqliteChildProcessStores } from './child-process-store';
import { describeStoreContract, STORE_CONTRACT_MIGRATIONS } from './store.contract';

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

describe('SqliteStore migrations from several processes at once', () => {
  it('applies each migration exactly once when four processes migrate a fresh file together', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'corebank-store-migrate-'));
    const path = join(directory, 'store.db');
    const clients = await startSqliteChildProcessStores(4, path);
    try {
      await Promise.all(clients.stores.map((store) => store.migrate(STORE_CONTRACT_MIGRATIONS)));
      await Promise.all(
        clients.stores.map((store, index) =>
          store.upsert('contract_entries', {
            account_id: 'shared',
            sequence: BigInt(index),
            amount_minor: 1n,
          }),
        ),
      );
      const inspector = new Database(path, { readonly: true });
      try {
        expect(inspector.prepare('SELECT id FROM schema_migrations ORDER BY id').all()).toEqual(
          STORE_CONTRACT_MIGRATIONS.map(({ id }) => ({ id })),
        );
        expect(inspector.prepare('SELECT count(*) AS n FROM contract_entries').get()).toEqual({
          n: 4,
        });
      } finally {
        inspector.close();
      }
    } finally {
      await clients.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
