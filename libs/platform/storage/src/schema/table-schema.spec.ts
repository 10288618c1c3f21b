import type { TableDefinition } from '../store.port';
import { checkTtlSeconds, TableSchema, TTL_SECONDS_MAX } from './table-schema';

const TRANSFERS: TableDefinition = {
  name: 'transfers',
  columns: {
    account_id: 'text',
    day: 'int',
    transfer_id: 'text',
    amount_minor: 'bigint',
    metadata: 'json',
    posted_at: 'timestamp',
  },
  partitionKey: ['account_id'],
  clusteringKey: [
    { column: 'day', order: 'desc' },
    { column: 'transfer_id', order: 'asc' },
  ],
};

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('TableSchema', () => {
  const sut = new TableSchema(TRANSFERS);

  it('derives the primary key and the regular columns from the definition', () => {
    expect(sut.primaryKey).toEqual(['account_id', 'day', 'transfer_id']);
    expect(sut.regularColumns).toEqual(['amount_minor', 'metadata', 'posted_at']);
    expect(sut.clustering.map(({ type }) => type)).toEqual(['int', 'text']);
  });

  it.each<[string, TableDefinition]>([
    ['an upper-case name', { ...TRANSFERS, name: 'Transfers' }],
    ['a reserved name', { ...TRANSFERS, name: 'schema_migrations' }],
    ['an empty partition key', { ...TRANSFERS, partitionKey: [] }],
    ['a key column that is not a column', { ...TRANSFERS, partitionKey: ['customer_id'] }],
    ['a json key column', { ...TRANSFERS, partitionKey: ['metadata'] }],
    [
      'a column used twice in the key',
      { ...TRANSFERS, clusteringKey: [{ column: 'account_id', order: 'asc' }] },
    ],
    ['an unknown column type', { ...TRANSFERS, columns: { account_id: 'uuid' } } as never],
  ])('refuses a definition with %s as invalid.store_schema', (_label, definition) => {
    expect(codeOf(() => new TableSchema(definition))).toBe('invalid.store_schema');
  });

  it('accepts values of each column type and refuses the rest as invalid.store_value', () => {
    const good: [string, unknown][] = [
      ['day', 2_147_483_647],
      ['amount_minor', -(2n ** 63n)],
      ['metadata', { a: [1, 'x', null, { b: false }] }],
      ['posted_at', new Date(0)],
      ['amount_minor', null],
    ];
    for (const [column, value] of good) {
      expect(codeOf(() => sut.checkValue(column, value as never))).toBeUndefined();
    }
    const bad: [string, unknown][] = [
      ['day', 2_147_483_648],
      ['day', 1.5],
      ['amount_minor', 2n ** 63n],
      ['amount_minor', 1],
      ['metadata', { when: new Date(0) }],
      ['metadata', Number.NaN],
      ['posted_at', new Date(Number.NaN)],
      ['transfer_id', 42],
    ];
    for (const [column, value] of bad) {
      expect(codeOf(() => sut.checkValue(column, value as never))).toBe('invalid.store_value');
    }
  });

  it('refuses json nested deeper than it will walk', () => {
    let deep: unknown = 'leaf';
    for (let depth = 0; depth < 100; depth += 1) {
      deep = [deep];
    }
    expect(codeOf(() => sut.checkValue('metadata', deep as never))).toBe('invalid.store_value');
  });

  it('checks keys, partitions and set/expected columns as invalid.store_row', () => {
    const key = { account_id: 'a', day: 1, transfer_id: 't' };
    expect(codeOf(() => sut.checkPrimaryKey(key))).toBeUndefined();
    expect(codeOf(() => sut.checkPrimaryKey({ account_id: 'a', day: 1 }))).toBe(
      'invalid.store_row',
    );
    expect(codeOf(() => sut.checkPrimaryKey({ ...key, amount_minor: 1n }))).toBe(
      'invalid.store_row',
    );
    expect(codeOf(() => sut.checkPartitionKey({ account_id: 'a' }))).toBeUndefined();
    expect(codeOf(() => sut.checkRegularColumns({ day: 2 }, 'set', false))).toBe(
      'invalid.store_row',
    );
    expect(codeOf(() => sut.checkRegularColumns({}, 'set', false))).toBe('invalid.store_row');
    expect(codeOf(() => sut.checkRegularColumns({}, 'expected', true))).toBeUndefined();
    expect(codeOf(() => sut.checkFullRow({ account_id: 'a', day: 1 }))).toBe('invalid.store_row');
    expect(codeOf(() => sut.checkFullRow({ ...key, nickname: 'x' }))).toBe('invalid.store_row');
  });
});

describe('checkTtlSeconds', () => {
  it('accepts whole seconds from 1 to the Cassandra maximum', () => {
    expect(() => checkTtlSeconds(1)).not.toThrow();
    expect(() => checkTtlSeconds(TTL_SECONDS_MAX)).not.toThrow();
    expect(() => checkTtlSeconds(undefined)).not.toThrow();
    for (const ttl of [0, -1, 1.5, TTL_SECONDS_MAX + 1, Number.NaN]) {
      expect(codeOf(() => checkTtlSeconds(ttl))).toBe('invalid.store_ttl');
    }
  });
});
