import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { StoreModule } from './store.module';
import { type Migration, STORE, type Store } from './store.port';

const MIGRATIONS: readonly Migration[] = [
  {
    id: '0001-notes',
    description: 'notes',
    createTables: [{ name: 'notes', columns: { id: 'text', body: 'text' }, partitionKey: ['id'] }],
  },
];

@Injectable()
class NoteWriter {
  constructor(@Inject(STORE) readonly store: Store) {}
}

describe('StoreModule.forRoot', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'corebank-store-module-'));
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('provides a migrated store to the application and closes it on shutdown', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        StoreModule.forRoot(() => ({ engine: 'sqlite', path: join(directory, 'app.db') }), {
          migrations: MIGRATIONS,
        }),
      ],
      providers: [NoteWriter],
    }).compile();
    const { store } = moduleRef.get(NoteWriter);
    await store.upsert('notes', { id: 'n1', body: 'hello' });
    expect(await store.get('notes', { id: 'n1' })).toEqual({ id: 'n1', body: 'hello' });
    await moduleRef.close();
    await expect(store.ping()).rejects.toMatchObject({ code: 'unavailable.store_closed' });
  });

  it('stops the boot when a migration is refused', async () => {
    const building = Test.createTestingModule({
      imports: [
        StoreModule.forRoot(() => ({ engine: 'sqlite', path: join(directory, 'app.db') }), {
          migrations: [...MIGRATIONS, { ...MIGRATIONS[0], id: '0002-notes-again' }],
        }),
      ],
    }).compile();
    await expect(building).rejects.toMatchObject({ code: 'invalid.store_schema' });
  });
});
