import fc from 'fast-check';

import { isPlatformError } from '@corebank/platform-errors';

import {
  composeSnowflake,
  isSnowflake,
  parseSnowflake,
  SNOWFLAKE_EPOCH_MS,
  SNOWFLAKE_SEQUENCE_MAX,
  SNOWFLAKE_TIMESTAMP_OFFSET_MAX,
  SNOWFLAKE_WORKER_ID_MAX,
} from './snowflake';

const partsArbitrary = fc.record({
  timestampMs: fc
    .integer({ min: 0, max: SNOWFLAKE_TIMESTAMP_OFFSET_MAX })
    .map((offset) => offset + SNOWFLAKE_EPOCH_MS),
  workerId: fc.integer({ min: 0, max: SNOWFLAKE_WORKER_ID_MAX }),
  sequence: fc.integer({ min: 0, max: SNOWFLAKE_SEQUENCE_MAX }),
});

describe('snowflake layout', () => {
  it('uses 2026-01-01T00:00:00Z as the project epoch', () => {
    expect(new Date(SNOWFLAKE_EPOCH_MS).toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('places 41 bits of time, 10 of worker id and 12 of sequence', () => {
    const sut = composeSnowflake({
      timestampMs: SNOWFLAKE_EPOCH_MS + 1,
      workerId: 1,
      sequence: 1,
    });
    expect(sut).toBe((1n << 22n) | (1n << 12n) | 1n);
    const largest = composeSnowflake({
      timestampMs: SNOWFLAKE_EPOCH_MS + SNOWFLAKE_TIMESTAMP_OFFSET_MAX,
      workerId: SNOWFLAKE_WORKER_ID_MAX,
      sequence: SNOWFLAKE_SEQUENCE_MAX,
    });
    expect(largest).toBe((1n << 63n) - 1n);
  });

  it('parses back exactly what it composed, from a bigint or a decimal string', () => {
    fc.assert(
      fc.property(partsArbitrary, (parts) => {
        const id = composeSnowflake(parts);
        expect(parseSnowflake(id)).toEqual(parts);
        expect(parseSnowflake(id.toString())).toEqual(parts);
      }),
      { numRuns: 500 },
    );
  });

  it('orders ids by time first, then worker id, then sequence', () => {
    fc.assert(
      fc.property(partsArbitrary, partsArbitrary, (left, right) => {
        const byParts =
          left.timestampMs - right.timestampMs ||
          left.workerId - right.workerId ||
          left.sequence - right.sequence;
        const leftId = composeSnowflake(left);
        const rightId = composeSnowflake(right);
        const byId = leftId < rightId ? -1 : leftId > rightId ? 1 : 0;
        expect(byId).toBe(Math.sign(byParts));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses parts outside their ranges', () => {
    const valid = { timestampMs: SNOWFLAKE_EPOCH_MS, workerId: 0, sequence: 0 };
    expect(() => composeSnowflake({ ...valid, timestampMs: SNOWFLAKE_EPOCH_MS - 1 })).toThrow(
      RangeError,
    );
    expect(() => composeSnowflake({ ...valid, workerId: SNOWFLAKE_WORKER_ID_MAX + 1 })).toThrow(
      RangeError,
    );
    expect(() => composeSnowflake({ ...valid, sequence: SNOWFLAKE_SEQUENCE_MAX + 1 })).toThrow(
      RangeError,
    );
  });

  it.each([
    ['leading zero', '0123'],
    ['sign', '+123'],
    ['negative', '-1'],
    ['whitespace', ' 123'],
    ['hex', '0x10'],
    ['2^63', '9223372036854775808'],
    ['20 digits', '10000000000000000000'],
    ['empty', ''],
  ])('refuses a non-canonical or out-of-range id (%s)', (_label, value) => {
    expect(isSnowflake(value)).toBe(false);
    let thrown: unknown;
    try {
      parseSnowflake(value);
    } catch (error) {
      thrown = error;
    }
    expect(isPlatformError(thrown) && thrown.code).toBe('invalid.snowflake_id');
  });

  it('accepts the canonical extremes', () => {
    expect(isSnowflake('0')).toBe(true);
    expect(isSnowflake('9223372036854775807')).toBe(true);
    expect(isSnowflake(123)).toBe(false);
  });
});
