import {
  decodePageState,
  decodeSqliteValue,
  encodePageState,
  encodeSqliteValue,
  storedValueEquals,
} from './sqlite-codec';

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('sqlite codec', () => {
  it('round-trips every type through what SQLite stores and returns', () => {
    const cases: [Parameters<typeof encodeSqliteValue>[0], unknown, unknown][] = [
      ['bigint', 2n ** 63n - 1n, 2n ** 63n - 1n],
      ['int', -5, -5n],
      ['boolean', true, 1n],
      ['timestamp', new Date(1_700_000_000_123), 1_700_000_000_123n],
      ['json', { a: [1, null] }, '{"a":[1,null]}'],
      ['text', 'é', 'é'],
    ];
    for (const [type, value, stored] of cases) {
      const encoded = encodeSqliteValue(type, value as never);
      // SQLite hands INTEGER columns back as bigint (safe integers on).
      const returned = typeof encoded === 'number' ? BigInt(encoded) : encoded;
      expect(returned).toEqual(stored);
      expect(decodeSqliteValue(type, returned)).toEqual(value);
    }
    const blob = decodeSqliteValue('blob', encodeSqliteValue('blob', new Uint8Array([1, 2])));
    expect(blob).toEqual(new Uint8Array([1, 2]));
    expect(blob?.constructor).toBe(Uint8Array);
  });

  it('compares stored values the way a CQL condition does', () => {
    expect(storedValueEquals('bigint', 7n, 7n)).toBe(true);
    expect(storedValueEquals('int', 7n, 7)).toBe(true);
    expect(storedValueEquals('boolean', 0n, false)).toBe(true);
    expect(storedValueEquals('json', '{"a":1}', { a: 1 })).toBe(true);
    expect(storedValueEquals('json', '{"a":1}', { a: 2 })).toBe(false);
    expect(storedValueEquals('text', null, null)).toBe(true);
    expect(storedValueEquals('text', 'x', null)).toBe(false);
    expect(storedValueEquals('blob', Buffer.from([1]), new Uint8Array([1]))).toBe(true);
  });

  it('carries a cursor of any clustering types through a page state bound to its query', () => {
    const values = [-(2n ** 63n), 'ünïcode', Buffer.from([0, 255])];
    const types = ['bigint', 'text', 'blob'] as const;
    const pageState = encodePageState('entries', 'desc', values);
    expect(decodePageState(pageState, 'entries', 'desc', types)).toEqual(values);
    for (const [table, order] of [
      ['other', 'desc'],
      ['entries', 'asc'],
    ] as const) {
      expect(codeOf(() => decodePageState(pageState, table, order, types))).toBe(
        'invalid.store_page_state',
      );
    }
    expect(codeOf(() => decodePageState('%%%', 'entries', 'desc', types))).toBe(
      'invalid.store_page_state',
    );
  });
});
