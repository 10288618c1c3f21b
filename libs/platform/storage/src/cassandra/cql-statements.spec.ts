import { TableSchema } from '../schema/table-schema';
import { CqlStatements, decodeCqlValue, encodeCqlValue } from './cql-statements';

const ENTRIES = new TableSchema({
  name: 'entries',
  columns: {
    account_id: 'text',
    day: 'int',
    sequence: 'bigint',
    amount_minor: 'bigint',
    meta: 'json',
    note: 'text',
  },
  partitionKey: ['account_id'],
  clusteringKey: [
    { column: 'day', order: 'desc' },
    { column: 'sequence', order: 'asc' },
  ],
});
const KEY = { account_id: 'acc-1', day: 20, sequence: 2n ** 60n };

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('CqlStatements', () => {
  const sut = new CqlStatements('bank');

  it('selects one row by its full primary key', () => {
    expect(sut.select(ENTRIES, KEY)).toEqual({
      query:
        'SELECT "account_id", "day", "sequence", "amount_minor", "meta", "note" FROM "bank"."entries" ' +
        'WHERE "account_id" = ? AND "day" = ? AND "sequence" = ?',
      params: ['acc-1', 20, 2n ** 60n],
    });
  });

  it('inserts only the given columns, with IF NOT EXISTS before USING TTL', () => {
    expect(sut.insert(ENTRIES, { ...KEY, meta: { a: 1 } }, 30, true)).toEqual({
      query:
        'INSERT INTO "bank"."entries" ("account_id", "day", "sequence", "meta") VALUES (?, ?, ?, ?) ' +
        'IF NOT EXISTS USING TTL ?',
      params: ['acc-1', 20, 2n ** 60n, '{"a":1}', 30],
    });
    expect(sut.insert(ENTRIES, { ...KEY, note: null }, undefined, false)).toEqual({
      query:
        'INSERT INTO "bank"."entries" ("account_id", "day", "sequence", "note") VALUES (?, ?, ?, ?)',
      params: ['acc-1', 20, 2n ** 60n, null],
    });
  });

  it('updates with TTL first, then the set values, the key and the conditions', () => {
    expect(
      sut.update(ENTRIES, KEY, { amount_minor: 5n }, 10, { note: 'x', amount_minor: 4n }),
    ).toEqual({
      query:
        'UPDATE "bank"."entries" USING TTL ? SET "amount_minor" = ? ' +
        'WHERE "account_id" = ? AND "day" = ? AND "sequence" = ? IF "note" = ? AND "amount_minor" = ?',
      params: [10, 5n, 'acc-1', 20, 2n ** 60n, 'x', 4n],
    });
    expect(sut.update(ENTRIES, KEY, { note: 'y' }, undefined, {}).query).toBe(
      'UPDATE "bank"."entries" SET "note" = ? WHERE "account_id" = ? AND "day" = ? AND "sequence" = ? IF EXISTS',
    );
    expect(sut.update(ENTRIES, KEY, { note: 'y' }, undefined).query).toBe(
      'UPDATE "bank"."entries" SET "note" = ? WHERE "account_id" = ? AND "day" = ? AND "sequence" = ?',
    );
  });

  it('deletes by the full primary key', () => {
    expect(sut.delete(ENTRIES, KEY)).toEqual({
      query: 'DELETE FROM "bank"."entries" WHERE "account_id" = ? AND "day" = ? AND "sequence" = ?',
      params: ['acc-1', 20, 2n ** 60n],
    });
  });

  it('slices a partition in the declared order or fully reversed, bounds on the first clustering column', () => {
    const columns = '"account_id", "day", "sequence", "amount_minor", "meta", "note"';
    expect(sut.range(ENTRIES, { partition: { account_id: 'acc-1' } }, 'desc')).toEqual({
      query: `SELECT ${columns} FROM "bank"."entries" WHERE "account_id" = ? ORDER BY "day" DESC, "sequence" ASC`,
      params: ['acc-1'],
    });
    expect(
      sut.range(ENTRIES, { partition: { account_id: 'acc-1' }, range: { gte: 3, lt: 9 } }, 'asc'),
    ).toEqual({
      query:
        `SELECT ${columns} FROM "bank"."entries" WHERE "account_id" = ? AND "day" >= ? AND "day" < ? ` +
        'ORDER BY "day" ASC, "sequence" DESC',
      params: ['acc-1', 3, 9],
    });
    expect(
      codeOf(() =>
        sut.range(ENTRIES, { partition: { account_id: 'a' }, range: { gt: 'x' } }, 'asc'),
      ),
    ).toBe('invalid.store_value');
  });

  it('refuses a TTL Cassandra would refuse', () => {
    expect(codeOf(() => sut.insert(ENTRIES, KEY, 0, false))).toBe('invalid.store_ttl');
  });

  it('binds blobs as Buffers and json as text, and decodes them back', () => {
    const bytes = new Uint8Array([9, 8, 7]).subarray(1);
    const bound = encodeCqlValue('blob', bytes);
    expect(Buffer.isBuffer(bound)).toBe(true);
    expect(decodeCqlValue('blob', bound)).toEqual(new Uint8Array([8, 7]));
    expect(decodeCqlValue('json', encodeCqlValue('json', { list: [1, 'a'] }))).toEqual({
      list: [1, 'a'],
    });
    expect(decodeCqlValue('bigint', -(2n ** 63n))).toBe(-(2n ** 63n));
    expect(decodeCqlValue('text', null)).toBeNull();
  });
});
