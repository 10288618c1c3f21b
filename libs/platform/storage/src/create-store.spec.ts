import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@corebank/platform-clock';
import { createStore } from './create-store';
import { SqliteStore } from './sqlite/sqlite-store';

describe('createStore', () => {
  it('opens the engine the configuration names, with the injected clock', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'corebank-create-store-'));
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const sut = await createStore(
      { engine: 'sqlite', path: join(directory, 'bank.db') },
      { clock },
    );
    try {
      expect(sut).toBeInstanceOf(SqliteStore);
      await sut.migrate([
        {
          id: '0001-sessions',
          description: 'sessions',
          createTables: [{ name: 'sessions', columns: { id: 'text' }, partitionKey: ['id'] }],
        },
      ]);
      await sut.upsert('sessions', { id: 's1' }, { ttlSeconds: 10 });
      clock.advanceMs(10_000);
      expect(await sut.get('sessions', { id: 's1' })).toBeUndefined();
    } finally {
      await sut.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
