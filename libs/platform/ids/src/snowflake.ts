import { PlatformError } from '@corebank/platform-errors';

/**
 * Snowflake layout (ARCHITECTURE §9), most significant bit first:
 *
 *   0 | 41 bits: ms since SNOWFLAKE_EPOCH_MS | 10 bits: worker id | 12 bits: sequence
 *
 * The top bit stays 0 so every id fits a signed 64-bit integer (Cassandra bigint, Java long).
 * Ordering ids as integers orders them by time first, then worker, then sequence.
 */

/** 2026-01-01T00:00:00Z. 41 bits of ms from here last until 2095-09-06. Never change it. */
export const SNOWFLAKE_EPOCH_MS = Date.UTC(2026, 0, 1);

export const SNOWFLAKE_TIMESTAMP_BITS = 41;
export const SNOWFLAKE_WORKER_ID_BITS = 10;
export const SNOWFLAKE_SEQUENCE_BITS = 12;

export const SNOWFLAKE_TIMESTAMP_OFFSET_MAX = 2 ** SNOWFLAKE_TIMESTAMP_BITS - 1;
export const SNOWFLAKE_WORKER_ID_MAX = 2 ** SNOWFLAKE_WORKER_ID_BITS - 1;
export const SNOWFLAKE_SEQUENCE_MAX = 2 ** SNOWFLAKE_SEQUENCE_BITS - 1;

const WORKER_ID_SHIFT = BigInt(SNOWFLAKE_SEQUENCE_BITS);
const TIMESTAMP_SHIFT = BigInt(SNOWFLAKE_SEQUENCE_BITS + SNOWFLAKE_WORKER_ID_BITS);
const SNOWFLAKE_MAX = (1n << 63n) - 1n;

export interface SnowflakeParts {
  /** Milliseconds since the Unix epoch (not the project epoch), UTC. */
  readonly timestampMs: number;
  readonly workerId: number;
  readonly sequence: number;
}

function isIntegerIn(value: number, max: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= max;
}

/**
 * Packs the parts into an id. A part out of range is a bug in the caller (the generator checks
 * the clock before it gets here), so it throws a RangeError rather than a PlatformError.
 */
export function composeSnowflake(parts: SnowflakeParts): bigint {
  const timestampOffsetMs = parts.timestampMs - SNOWFLAKE_EPOCH_MS;
  if (!isIntegerIn(timestampOffsetMs, SNOWFLAKE_TIMESTAMP_OFFSET_MAX)) {
    throw new RangeError(`timestamp ${parts.timestampMs} is outside the snowflake range`);
  }
  if (!isIntegerIn(parts.workerId, SNOWFLAKE_WORKER_ID_MAX)) {
    throw new RangeError(`worker id ${parts.workerId} is outside 0..${SNOWFLAKE_WORKER_ID_MAX}`);
  }
  if (!isIntegerIn(parts.sequence, SNOWFLAKE_SEQUENCE_MAX)) {
    throw new RangeError(`sequence ${parts.sequence} is outside 0..${SNOWFLAKE_SEQUENCE_MAX}`);
  }
  return (
    (BigInt(timestampOffsetMs) << TIMESTAMP_SHIFT) |
    (BigInt(parts.workerId) << WORKER_ID_SHIFT) |
    BigInt(parts.sequence)
  );
}

// At most 19 digits: 2^63 - 1 has 19. No sign, no leading '+', no whitespace, no leading zeros
// (except "0" itself) so that each id has exactly one spelling and string equality is id equality.
const DECIMAL_SNOWFLAKE = /^(0|[1-9]\d{0,18})$/;

/** The id as a bigint, or undefined when `value` is not the canonical decimal form of one. */
export function snowflakeToBigInt(value: string): bigint | undefined {
  if (!DECIMAL_SNOWFLAKE.test(value)) {
    return undefined;
  }
  const id = BigInt(value);
  return id <= SNOWFLAKE_MAX ? id : undefined;
}

/** True when `value` is a snowflake in canonical decimal form. */
export function isSnowflake(value: unknown): value is string {
  return typeof value === 'string' && snowflakeToBigInt(value) !== undefined;
}

/**
 * Splits an id into its parts.
 *
 * @throws PlatformError `invalid.snowflake_id` (not retryable) when `id` is not a canonical
 *   decimal snowflake or a bigint in 0..2^63-1.
 */
export function parseSnowflake(id: string | bigint): SnowflakeParts {
  const value = typeof id === 'bigint' ? id : snowflakeToBigInt(id);
  if (value === undefined || value < 0n || value > SNOWFLAKE_MAX) {
    throw new PlatformError('invalid.snowflake_id', 'not a snowflake id', { retryable: false });
  }
  return {
    timestampMs: Number(value >> TIMESTAMP_SHIFT) + SNOWFLAKE_EPOCH_MS,
    workerId: Number((value >> WORKER_ID_SHIFT) & BigInt(SNOWFLAKE_WORKER_ID_MAX)),
    sequence: Number(value & BigInt(SNOWFLAKE_SEQUENCE_MAX)),
  };
}
