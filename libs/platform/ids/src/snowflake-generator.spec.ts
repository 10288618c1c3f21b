import fc from 'fast-check';

import { ManualClock } from '@corebank/platform-clock';
import { isPlatformError, type PlatformError } from '@corebank/platform-errors';

import type { BlockingSleeper } from './blocking-sleeper';
import { parseSnowflake, SNOWFLAKE_EPOCH_MS, SNOWFLAKE_SEQUENCE_MAX } from './snowflake';
import { SnowflakeGenerator } from './snowflake-generator';
import { ConfiguredWorkerLease, type WorkerLease } from './worker-lease';

const START_MS = Date.UTC(2026, 10, 22, 1, 0, 0);

/** A sleeper that moves the manual clock, as time would pass while the thread is blocked. */
class ClockAdvancingSleeper implements BlockingSleeper {
  readonly sleptMs: number[] = [];
  constructor(private readonly clock: ManualClock) {}
  sleepMs(durationMs: number): void {
    this.sleptMs.push(durationMs);
    this.clock.advanceMs(durationMs);
  }
}

/** A sleeper during which time does not pass: a clock that has stopped. */
const frozenSleeper: BlockingSleeper = { sleepMs: () => undefined };

function buildSut(options: { toleranceMs?: number; lease?: WorkerLease; sleeper?: 'frozen' } = {}) {
  const clock = new ManualClock(START_MS);
  const sleeper = new ClockAdvancingSleeper(clock);
  const sut = new SnowflakeGenerator({
    clock,
    workerLease: options.lease ?? new ConfiguredWorkerLease(7),
    clockBackwardToleranceMs: options.toleranceMs ?? 50,
    sleeper: options.sleeper === 'frozen' ? frozenSleeper : sleeper,
  });
  return { sut, clock, sleeper };
}

function thrownBy(run: () => unknown): PlatformError {
  try {
    run();
  } catch (error) {
    if (isPlatformError(error)) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a PlatformError');
}

describe('SnowflakeGenerator', () => {
  it('issues ids carrying the clock time, the worker id and a per-ms sequence', () => {
    const { sut } = buildSut();
    expect(parseSnowflake(sut.nextId())).toEqual({
      timestampMs: START_MS,
      workerId: 7,
      sequence: 0,
    });
    expect(parseSnowflake(sut.nextId())).toEqual({
      timestampMs: START_MS,
      workerId: 7,
      sequence: 1,
    });
  });

  it('restarts the sequence at 0 in a new millisecond', () => {
    const { sut, clock } = buildSut();
    sut.nextId();
    sut.nextId();
    clock.advanceMs(1);
    expect(parseSnowflake(sut.nextId()).sequence).toBe(0);
  });

  it('agrees between nextId and nextBigInt', () => {
    const { sut } = buildSut();
    const first = sut.nextBigInt();
    const second = BigInt(sut.nextId());
    expect(second).toBe(first + 1n);
  });

  describe('sequence overflow', () => {
    it('waits for the next millisecond after 4096 ids in one millisecond', () => {
      const { sut, sleeper } = buildSut();
      const sequences: number[] = [];
      for (let index = 0; index <= SNOWFLAKE_SEQUENCE_MAX; index++) {
        const parts = parseSnowflake(sut.nextId());
        if (parts.timestampMs === START_MS) {
          sequences.push(parts.sequence);
        }
      }
      expect(sequences).toEqual(Array.from({ length: SNOWFLAKE_SEQUENCE_MAX + 1 }, (_, i) => i));
      expect(sleeper.sleptMs).toEqual([]);
      expect(parseSnowflake(sut.nextId())).toMatchObject({
        timestampMs: START_MS + 1,
        sequence: 0,
      });
      expect(sleeper.sleptMs).toEqual([1]);
    });

    it('reports a clock that does not advance instead of hanging', () => {
      const { sut } = buildSut({ sleeper: 'frozen' });
      for (let index = 0; index <= SNOWFLAKE_SEQUENCE_MAX; index++) {
        sut.nextId();
      }
      expect(thrownBy(() => sut.nextId()).code).toBe('unavailable.clock_stalled');
    });
  });

  describe('clock stepping back within the tolerance', () => {
    it('waits for the clock to catch up and continues without repeating an id', () => {
      const { sut, clock, sleeper } = buildSut({ toleranceMs: 50 });
      clock.advanceMs(100);
      const before = sut.nextBigInt();
      clock.advanceMs(-30);
      const after = sut.nextBigInt();
      expect(after).toBeGreaterThan(before);
      expect(parseSnowflake(after)).toMatchObject({ timestampMs: START_MS + 100, sequence: 1 });
      expect(sleeper.sleptMs).toEqual([30]);
    });

    it('waits exactly up to the tolerance', () => {
      const { sut, clock, sleeper } = buildSut({ toleranceMs: 50 });
      sut.nextId();
      clock.advanceMs(-50);
      expect(parseSnowflake(sut.nextId()).timestampMs).toBe(START_MS);
      expect(sleeper.sleptMs).toEqual([50]);
    });
  });

  describe('clock stepping back beyond the tolerance', () => {
    it('refuses with unavailable.clock_moved_backwards, retryable, without waiting', () => {
      const { sut, clock, sleeper } = buildSut({ toleranceMs: 50 });
      sut.nextId();
      clock.advanceMs(-51);
      const error = thrownBy(() => sut.nextId());
      expect(error.code).toBe('unavailable.clock_moved_backwards');
      expect(error.retryable).toBe(true);
      expect(error.params).toEqual({ behindMs: 51, toleranceMs: 50 });
      expect(sleeper.sleptMs).toEqual([]);
    });

    it('resumes after the last issued id once the clock has caught up', () => {
      const { sut, clock } = buildSut({ toleranceMs: 50 });
      const last = sut.nextBigInt();
      clock.advanceMs(-5000);
      expect(thrownBy(() => sut.nextId()).code).toBe('unavailable.clock_moved_backwards');
      clock.advanceMs(4990);
      expect(sut.nextBigInt()).toBeGreaterThan(last);
    });

    it('with zero tolerance refuses any step back', () => {
      const { sut, clock } = buildSut({ toleranceMs: 0 });
      sut.nextId();
      clock.advanceMs(-1);
      expect(thrownBy(() => sut.nextId()).code).toBe('unavailable.clock_moved_backwards');
    });
  });

  it('never repeats or reorders an id whatever the clock does', () => {
    const clockMoves = fc.array(
      fc.record({
        deltaMs: fc.oneof(
          fc.integer({ min: -200, max: 5 }),
          fc.constantFrom(0, 1, -1, -50, -51, 100),
        ),
        // Up to just over one millisecond's worth, so overflow waits are exercised too.
        ids: fc.integer({ min: 1, max: 4100 }),
      }),
      { minLength: 1, maxLength: 30 },
    );
    fc.assert(
      fc.property(clockMoves, (moves) => {
        const { sut, clock } = buildSut({ toleranceMs: 50 });
        let previous = -1n;
        const refusals = new Set<string>();
        let outOfOrder = 0;
        for (const move of moves) {
          clock.advanceMs(move.deltaMs);
          for (let index = 0; index < move.ids; index++) {
            let id: bigint;
            try {
              id = sut.nextBigInt();
            } catch (error) {
              refusals.add(isPlatformError(error) ? error.code : String(error));
              break;
            }
            // Plain comparisons here: an expect() per id would dominate the run time.
            if (id <= previous) {
              outOfOrder += 1;
            }
            previous = id;
          }
        }
        expect(outOfOrder).toBe(0);
        expect(
          [...refusals].filter((code) => code !== 'unavailable.clock_moved_backwards'),
        ).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });

  it('refuses a clock before the project epoch', () => {
    const sut = new SnowflakeGenerator({
      clock: new ManualClock(SNOWFLAKE_EPOCH_MS - 1),
      workerLease: new ConfiguredWorkerLease(0),
    });
    const error = thrownBy(() => sut.nextId());
    expect(error.code).toBe('unavailable.clock_out_of_range');
    expect(error.retryable).toBe(false);
  });

  it('issues nothing at or before the previous holder’s last timestamp', () => {
    const lease = new ConfiguredWorkerLease(3);
    const resumed: WorkerLease = {
      workerId: 3,
      previousHolderLastTimestampMs: START_MS + 20,
      lost: lease.lost,
      assertHeld: () => lease.assertHeld(),
      release: () => lease.release(),
    };
    const { sut, sleeper } = buildSut({ lease: resumed, toleranceMs: 50 });
    expect(parseSnowflake(sut.nextId())).toMatchObject({ timestampMs: START_MS + 21, sequence: 0 });
    expect(sleeper.sleptMs).toEqual([20, 1]);
  });

  it('stops issuing ids once its lease is released, and says why', () => {
    const lease = new ConfiguredWorkerLease(7);
    const { sut } = buildSut({ lease });
    sut.nextId();
    void lease.release();
    const error = thrownBy(() => sut.nextId());
    expect(error.code).toBe('unavailable.id_worker_lease');
    expect(error.retryable).toBe(true);
    expect(error.params).toEqual({ workerId: 7, reason: 'released' });
  });

  it('refuses a tolerance outside 0..1000 ms', () => {
    const workerLease = new ConfiguredWorkerLease(0);
    const clock = new ManualClock(START_MS);
    expect(
      () => new SnowflakeGenerator({ clock, workerLease, clockBackwardToleranceMs: 1001 }),
    ).toThrow(RangeError);
    expect(
      () => new SnowflakeGenerator({ clock, workerLease, clockBackwardToleranceMs: -1 }),
    ).toThrow(RangeError);
  });
});
