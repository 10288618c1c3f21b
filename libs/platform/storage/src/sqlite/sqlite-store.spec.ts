import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@corebank/platform-clock';
import { isPlatformError } from '@corebank/platform-errors';
import Database from 'better-sqlite3';
import type { Migration, Store } from '../store.port';
import { SqliteStore, type SqliteStoreOptions } from './sqlite-store';

const HOLDS: Migration = {
  id: '0001-holds',
  description: 'card holds that expire',
  createTables: [
    {
      name: 'holds',
      columns: { hold_id: 'text', amount_minor: 'bigint', note: 'text' },
      partitionKey: ['hold_id'],
    },
  ],
};
const LEDGER_LINES: Migration = {
  id: '0002-ledger-lines',
  description: 'lines per account',
  createTables: [
    {
      name: 'ledger_lines',
      columns: { account_id: 'text', line: 'bigint', amount_minor: 'bigint' },
      partitionKey: ['account_id'],
      clusteringKey: [{ column: 'line', order: 'asc' }],
    },
  ],
};

async function rejectionOf(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('SqliteStore', () => {
  let directory: string;
  let path: string;
  const opened: Store[] = [];
  const open = async (options: Partial<SqliteStoreOptions> = {}): Promise<SqliteStore> => {
    const store = await SqliteStore.open({ path, expiredRowPurgeIntervalMs: 0, ...options });
    opened.push(store);
    return store;
  };

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'corebank-sqlite-store-'));
    path = join(directory, 'store.db');
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    rmSync(directory, { recursive: true, force: true });
  });

  describe('the file', () => {
    it('is in WAL mode with the chosen synchronous level, and keeps data and tables across reopen', async () => {
      const sut = await open({ synchronous: 'normal' });
      await sut.migrate([HOLDS]);
      await sut.upsert('holds', { hold_id: 'h1', amount_minor: 2n ** 62n });
      await sut.close();

      const inspector = new Database(path, { readonly: true });
      try {
        expect(inspector.pragma('journal_mode', { simple: true })).toBe('wal');
      } finally {
        inspector.close();
      }
      const reopened = await open();
      expect(await reopened.get('holds', { hold_id: 'h1' })).toMatchObject({
        amount_minor: 2n ** 62n,
      });
    });

    it('opens a private in-memory database for fast tests of callers', async () => {
      const sut = await SqliteStore.open({ path: ':memory:' });
      opened.push(sut);
      await sut.migrate([HOLDS]);
      expect(
        await sut.insertIfNotExists('holds', { hold_id: 'h1', amount_minor: 2n ** 63n - 1n }),
      ).toEqual({ applied: true });
      expect(await sut.get('holds', { hold_id: 'h1' })).toEqual({
        hold_id: 'h1',
        amount_minor: 2n ** 63n - 1n,
        note: null,
      });
    });

    it('sees tables another connection migrated after it opened', async () => {
      const first = await open();
      const second = await open();
      await first.migrate([HOLDS, LEDGER_LINES]);
      await second.upsert('ledger_lines', { account_id: 'a', line: 1n, amount_minor: 5n });
      expect(await first.get('ledger_lines', { account_id: 'a', line: 1n })).toMatchObject({
        amount_minor: 5n,
      });
    });

    it('throws timeout.store (retryable) when another connection holds the write lock too long', async () => {
      const sut = await open({ busyTimeoutMs: 200 });
      await sut.migrate([HOLDS]);
      const blocker = new Database(path);
      try {
        blocker.prepare('BEGIN IMMEDIATE').run();
        const error = await rejectionOf(sut.upsert('holds', { hold_id: 'h1', amount_minor: 1n }));
        expect(error).toMatchObject({ code: 'timeout.store', retryable: true });
        blocker.prepare('ROLLBACK').run();
      } finally {
        blocker.close();
      }
      await sut.upsert('holds', { hold_id: 'h1', amount_minor: 1n });
    });

    it('throws unavailable.store, not retryable, when the path cannot hold a database', async () => {
      const error = await rejectionOf(
        SqliteStore.open({ path: join(directory, 'missing-dir', 'store.db') }),
      );
      expect(error).toMatchObject({ code: 'unavailable.store', retryable: false });
    });

    it('refuses every call after close with unavailable.store_closed', async () => {
      const sut = await open();
      await sut.close();
      const error = await rejectionOf(sut.ping());
      expect(isPlatformError(error)).toBe(true);
      expect(error).toMatchObject({ code: 'unavailable.store_closed', retryable: false });
      await sut.close();
    });
  });

  describe('TTL on a manual clock', () => {
    it('hides a row exactly when its TTL runs out; a write without TTL makes it permanent', async () => {
      const clock = new ManualClock(Date.UTC(2026, 0, 1));
      const sut = await open({ clock });
      await sut.migrate([HOLDS]);
      await sut.upsert('holds', { hold_id: 'h1', amount_minor: 10n }, { ttlSeconds: 30 });
      clock.advanceMs(29_999);
      expect(await sut.get('holds', { hold_id: 'h1' })).toBeDefined();
      clock.advanceMs(1);
      expect(await sut.get('holds', { hold_id: 'h1' })).toBeUndefined();

      await sut.upsert('holds', { hold_id: 'h2', amount_minor: 10n }, { ttlSeconds: 5 });
      await sut.upsert('holds', { hold_id: 'h2', note: 'captured' });
      clock.advanceMs(60_000);
      expect(await sut.get('holds', { hold_id: 'h2' })).toMatchObject({
        amount_minor: 10n,
        note: 'captured',
      });
    });

    it('never brings back cells of an expired row that a partial write lands on', async () => {
      const clock = new ManualClock(Date.UTC(2026, 0, 1));
      const sut = await open({ clock });
      await sut.migrate([HOLDS]);
      for (const holdId of ['upserted', 'updated']) {
        await sut.upsert(
          'holds',
          { hold_id: holdId, amount_minor: 1n, note: 'old' },
          { ttlSeconds: 5 },
        );
      }
      clock.advanceMs(5000);
      await sut.upsert('holds', { hold_id: 'upserted', amount_minor: 2n });
      await sut.batch([
        { kind: 'update', table: 'holds', key: { hold_id: 'updated' }, set: { amount_minor: 3n } },
      ]);
      expect(await sut.getMany('holds', [{ hold_id: 'upserted' }, { hold_id: 'updated' }])).toEqual(
        expect.arrayContaining([
          { hold_id: 'upserted', amount_minor: 2n, note: null },
          { hold_id: 'updated', amount_minor: 3n, note: null },
        ]),
      );
    });

    it('purges expired rows in the background on its interval', async () => {
      const clock = new ManualClock(Date.UTC(2026, 0, 1));
      const sut = await open({ clock, expiredRowPurgeIntervalMs: 20 });
      await sut.migrate([HOLDS]);
      await sut.upsert('holds', { hold_id: 'gone', amount_minor: 1n }, { ttlSeconds: 1 });
      clock.advanceMs(1000);
      const inspector = new Database(path, { readonly: true });
      try {
        const count = (): unknown => inspector.prepare('SELECT count(*) AS rows FROM holds').get();
        const deadline = Date.now() + 5000;
        while (Date.now() < deadline && (count() as { rows: number }).rows > 0) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        expect(count()).toEqual({ rows: 0 });
      } finally {
        inspector.close();
      }
    });

    it('purges expired rows in bounded rounds and never touches live ones', async () => {
      const clock = new ManualClock(Date.UTC(2026, 0, 1));
      const sut = await open({ clock, expiredRowPurgeBatchMax: 2 });
      await sut.migrate([HOLDS]);
      for (let index = 0; index < 5; index += 1) {
        await sut.upsert(
          'holds',
          { hold_id: `gone-${index}`, amount_minor: 1n },
          { ttlSeconds: 1 },
        );
      }
      await sut.upsert('holds', { hold_id: 'kept', amount_minor: 1n }, { ttlSeconds: 3600 });
      await sut.upsert('holds', { hold_id: 'forever', amount_minor: 1n });
      clock.advanceMs(2000);

      expect(await sut.purgeExpiredRows()).toBe(2);
      expect(await sut.purgeExpiredRows()).toBe(2);
      expect(await sut.purgeExpiredRows()).toBe(1);
      expect(await sut.purgeExpiredRows()).toBe(0);
      const inspector = new Database(path, { readonly: true });
      try {
        expect(inspector.prepare('SELECT count(*) AS rows FROM holds').get()).toEqual({ rows: 2 });
      } finally {
        inspector.close();
      }
    });
  });

  describe('batch', () => {
    it('rolls everything back when the engine fails part-way through the transaction', async () => {
      const sut = await open();
      await sut.migrate([HOLDS, LEDGER_LINES]);
      const line = { account_id: 'a', line: 1n, amount_minor: 1n };
      await sut.upsert('ledger_lines', line);
      // The table disappears behind the store's back, after its statement was prepared and
      // cached: the batch passes validation and only the engine can fail it, mid-transaction.
      const saboteur = new Database(path);
      try {
        saboteur.exec('DROP TABLE ledger_lines');
      } finally {
        saboteur.close();
      }
      const error = await rejectionOf(
        sut.batch([
          { kind: 'upsert', table: 'holds', row: { hold_id: 'h1', amount_minor: 1n } },
          { kind: 'upsert', table: 'ledger_lines', row: { ...line, line: 2n } },
        ]),
      );
      expect(isPlatformError(error)).toBe(true);
      expect(await sut.get('holds', { hold_id: 'h1' })).toBeUndefined();
    });
  });

  describe('many rows per call', () => {
    it('applies long runs of one write shape in order, as single statements would', async () => {
      const clock = new ManualClock(Date.UTC(2026, 0, 1));
      const sut = await open({ clock });
      await sut.migrate([HOLDS]);
      // 150 rows with a TTL that runs out, then a batch of 300 partial writes of one shape (so
      // multi-row statements of 64 and 8 rows and single ones all run): each id twice, the second
      // write must win, and no cell of an expired row may come back.
      const ids = Array.from({ length: 150 }, (_unused, index) => `h${index}`);
      await sut.batch(
        ids.map((holdId) => ({
          kind: 'upsert',
          table: 'holds',
          row: { hold_id: holdId, amount_minor: 1n, note: 'expired' },
          ttlSeconds: 5,
        })),
      );
      clock.advanceMs(5000);
      await sut.batch(
        [1n, 2n].flatMap((amount) =>
          ids.map((holdId) => ({
            kind: 'upsert' as const,
            table: 'holds',
            row: { hold_id: holdId, amount_minor: amount },
          })),
        ),
      );
      const rows = await sut.getMany(
        'holds',
        ids.map((holdId) => ({ hold_id: holdId })),
      );
      expect(rows).toHaveLength(150);
      for (const row of rows) {
        expect(row).toEqual({ hold_id: row.hold_id, amount_minor: 2n, note: null });
      }
    });

    it('getMany over several IN lists returns each existing row once', async () => {
      const sut = await open();
      await sut.migrate([HOLDS]);
      await sut.batch(
        Array.from({ length: 300 }, (_unused, index) => ({
          kind: 'upsert' as const,
          table: 'holds',
          row: { hold_id: `h${index}`, amount_minor: BigInt(index) },
        })),
      );
      // 898 keys over four IN lists: every stored row twice (in different lists), 298 missing.
      const stored = Array.from({ length: 300 }, (_unused, index) => `h${index}`);
      const missing = Array.from({ length: 298 }, (_unused, index) => `h${1000 + index}`);
      const rows = await sut.getMany(
        'holds',
        [...stored, ...missing, ...stored].map((holdId) => ({ hold_id: holdId })),
      );
      expect(rows.map((row) => row.hold_id).sort()).toEqual(
        Array.from({ length: 300 }, (_unused, index) => `h${index}`).sort(),
      );
      expect(rows.find((row) => row.hold_id === 'h17')).toMatchObject({ amount_minor: 17n });
    });

    it('refuses a conditionalWrites call over its bound before writing anything', async () => {
      const sut = await open({ conditionalWritesMax: 2 });
      await sut.migrate([HOLDS]);
      const error = await rejectionOf(
        sut.conditionalWrites(
          ['a', 'b', 'c'].map((holdId) => ({
            kind: 'insertIfNotExists',
            table: 'holds',
            row: { hold_id: holdId, amount_minor: 1n },
          })),
        ),
      );
      expect(error).toMatchObject({ code: 'invalid.store_request_too_large', retryable: false });
      expect(await sut.get('holds', { hold_id: 'a' })).toBeUndefined();
    });
  });

  describe('limits', () => {
    it('refuses oversized getMany and batch requests, and out-of-range page sizes', async () => {
      const sut = await open({ getManyKeysMax: 2, batchStatementsMax: 2, queryLimitMax: 10 });
      await sut.migrate([HOLDS, LEDGER_LINES]);
      const keys = [{ hold_id: 'a' }, { hold_id: 'b' }, { hold_id: 'c' }];
      expect(await rejectionOf(sut.getMany('holds', keys))).toMatchObject({
        code: 'invalid.store_request_too_large',
      });
      expect(
        await rejectionOf(
          sut.batch(
            keys.map((key) => ({
              kind: 'upsert',
              table: 'holds',
              row: { ...key, amount_minor: 1n },
            })),
          ),
        ),
      ).toMatchObject({ code: 'invalid.store_request_too_large' });
      for (const limit of [0, 11, 1.5]) {
        expect(
          await rejectionOf(
            sut.query({ table: 'ledger_lines', partition: { account_id: 'a' }, limit }),
          ),
        ).toMatchObject({ code: 'invalid.store_query' });
      }
    });

    it('keeps working when more statement shapes are used than the cache holds', async () => {
      const sut = await open({ statementCacheMax: 2 });
      await sut.migrate([HOLDS, LEDGER_LINES]);
      for (let round = 0; round < 3; round += 1) {
        await sut.upsert('holds', { hold_id: `h${round}`, amount_minor: BigInt(round) });
        await sut.upsert('holds', { hold_id: `h${round}`, note: `note ${round}` });
        await sut.upsert('ledger_lines', {
          account_id: 'a',
          line: BigInt(round),
          amount_minor: 1n,
        });
        expect(await sut.get('holds', { hold_id: `h${round}` })).toEqual({
          hold_id: `h${round}`,
          amount_minor: BigInt(round),
          note: `note ${round}`,
        });
      }
      const page = await sut.query({
        table: 'ledger_lines',
        partition: { account_id: 'a' },
        limit: 5,
      });
      expect(page.rows).toHaveLength(3);
    });

    it('refuses a page state taken from another query', async () => {
      const sut = await open();
      await sut.migrate([LEDGER_LINES]);
      for (let line = 1n; line <= 3n; line += 1n) {
        await sut.upsert('ledger_lines', { account_id: 'a', line, amount_minor: 1n });
      }
      const first = await sut.query({
        table: 'ledger_lines',
        partition: { account_id: 'a' },
        limit: 1,
      });
      expect(first.pageState).toBeDefined();
      const error = await rejectionOf(
        sut.query({
          table: 'ledger_lines',
          partition: { account_id: 'a' },
          order: 'desc',
          limit: 1,
          pageState: first.pageState,
        }),
      );
      expect(error).toMatchObject({ code: 'invalid.store_page_state', retryable: false });
    });
  });

  describe('migrations', () => {
    it('records each migration once and refuses a second table of the same name', async () => {
      const sut = await open();
      await sut.migrate([HOLDS]);
      await sut.migrate([HOLDS, LEDGER_LINES]);
      const clash: Migration = { ...HOLDS, id: '0003-holds-again' };
      expect(await rejectionOf(sut.migrate([HOLDS, LEDGER_LINES, clash]))).toMatchObject({
        code: 'invalid.store_schema',
      });
      const inspector = new Database(path, { readonly: true });
      try {
        expect(inspector.prepare('SELECT id FROM schema_migrations ORDER BY id').all()).toEqual([
          { id: '0001-holds' },
          { id: '0002-ledger-lines' },
        ]);
      } finally {
        inspector.close();
      }
    });
  });
});
