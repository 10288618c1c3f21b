import { ManualClock } from '@corebank/platform-clock';
import { isPlatformError } from '@corebank/platform-errors';

import { SNOWFLAKE_EPOCH_MS, parseSnowflake } from './snowflake';
import { defineSnowflakeIdType, type SnowflakeId } from './snowflake-id-type';
import { SnowflakeGenerator } from './snowflake-generator';
import { ConfiguredWorkerLease } from './worker-lease';

const TransferId = defineSnowflakeIdType('TransferId');
type TransferId = SnowflakeId<'TransferId'>;

describe('defineSnowflakeIdType', () => {
  it('brands ids from a generator', () => {
    const generator = new SnowflakeGenerator({
      clock: new ManualClock(SNOWFLAKE_EPOCH_MS + 5),
      workerLease: new ConfiguredWorkerLease(9),
    });
    const sut: TransferId = TransferId.next(generator);
    expect(parseSnowflake(sut)).toEqual({
      timestampMs: SNOWFLAKE_EPOCH_MS + 5,
      workerId: 9,
      sequence: 0,
    });
  });

  it('brands valid wire input and refuses anything else with the kind in params', () => {
    expect(TransferId.parse('4194305')).toBe('4194305');
    expect(TransferId.is('4194305')).toBe(true);
    expect(TransferId.is('abc')).toBe(false);
    let thrown: unknown;
    try {
      TransferId.parse('abc');
    } catch (error) {
      thrown = error;
    }
    expect(isPlatformError(thrown)).toBe(true);
    expect(isPlatformError(thrown) && thrown.params).toEqual({ kind: 'TransferId' });
  });
});
