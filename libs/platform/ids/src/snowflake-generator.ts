import type { Clock } from '@corebank/platform-clock';
import { PlatformError } from '@corebank/platform-errors';

import { threadSleeper, type BlockingSleeper } from './blocking-sleeper';
import type { IdGenerator } from './id-generator.port';
import {
  composeSnowflake,
  SNOWFLAKE_EPOCH_MS,
  SNOWFLAKE_SEQUENCE_MAX,
  SNOWFLAKE_TIMESTAMP_OFFSET_MAX,
} from './snowflake';
import type { WorkerLease } from './worker-lease';

/** How far back the clock may step before the generator refuses instead of waiting. */
export const CLOCK_BACKWARD_TOLERANCE_MS_DEFAULT = 50;
/** The generator blocks the event loop while it waits, so the tolerance is capped. */
export const CLOCK_BACKWARD_TOLERANCE_MS_MAX = 1000;

// Each wait sleeps at least until the target instant, so one or two rounds suffice on a healthy
// clock; the bound turns a clock that has stopped into an error instead of a hang.
const CLOCK_WAIT_ROUNDS_MAX = 32;

export interface SnowflakeGeneratorOptions {
  readonly clock: Clock;
  readonly workerLease: WorkerLease;
  /** 0..CLOCK_BACKWARD_TOLERANCE_MS_MAX; default CLOCK_BACKWARD_TOLERANCE_MS_DEFAULT. */
  readonly clockBackwardToleranceMs?: number;
  /** Default: `threadSleeper` (Atomics.wait). */
  readonly sleeper?: BlockingSleeper;
}

/**
 * Issues snowflake ids under one leased worker id, strictly increasing within this generator.
 *
 * - Up to 4096 ids per ms; the 4097th waits (blocking) for the next ms.
 * - If the clock reads earlier than the last id's timestamp by at most the tolerance, it waits
 *   (blocking, bounded by the tolerance) for the clock to catch up; beyond that it refuses.
 * - It never issues an id at or before the last timestamp the worker's previous holder recorded.
 * - Once the lease cannot be proven held, every call throws; make a new generator on a new lease.
 *
 * Not safe to share across worker threads; each thread needs its own worker id.
 */
export class SnowflakeGenerator implements IdGenerator {
  readonly workerId: number;
  private readonly clock: Clock;
  private readonly workerLease: WorkerLease;
  private readonly toleranceMs: number;
  private readonly sleeper: BlockingSleeper;
  private lastTimestampMs: number;
  private sequence: number;
  // Time and worker bits of the current ms, composed once per ms rather than once per id.
  private prefix = 0n;
  private prefixTimestampMs = -1;

  constructor(options: SnowflakeGeneratorOptions) {
    const toleranceMs = options.clockBackwardToleranceMs ?? CLOCK_BACKWARD_TOLERANCE_MS_DEFAULT;
    if (
      !Number.isInteger(toleranceMs) ||
      toleranceMs < 0 ||
      toleranceMs > CLOCK_BACKWARD_TOLERANCE_MS_MAX
    ) {
      throw new RangeError(
        `clock backward tolerance ${toleranceMs} ms is outside 0..${CLOCK_BACKWARD_TOLERANCE_MS_MAX}`,
      );
    }
    this.clock = options.clock;
    this.workerLease = options.workerLease;
    this.workerId = options.workerLease.workerId;
    this.toleranceMs = toleranceMs;
    this.sleeper = options.sleeper ?? threadSleeper;
    // Starting as if the previous holder's last ms were fully used makes the first id land
    // strictly after it.
    this.lastTimestampMs = options.workerLease.previousHolderLastTimestampMs ?? -1;
    this.sequence = SNOWFLAKE_SEQUENCE_MAX;
  }

  /** The timestamp (ms since the Unix epoch) of the last id issued, or of the previous holder. */
  get lastIssuedTimestampMs(): number | undefined {
    return this.lastTimestampMs < 0 ? undefined : this.lastTimestampMs;
  }

  /**
   * @throws PlatformError `unavailable.id_worker_lease` (retryable) once the lease is not held.
   * @throws PlatformError `unavailable.clock_moved_backwards` (retryable) when the clock is behind
   *   the last id by more than the tolerance, or keeps going back while we wait.
   * @throws PlatformError `unavailable.clock_stalled` (retryable) when the clock does not advance.
   * @throws PlatformError `unavailable.clock_out_of_range` (not retryable) before the project
   *   epoch or after the 41-bit range ends.
   */
  nextId(): string {
    return this.nextBigInt().toString();
  }

  /** The same as `nextId`, as a bigint. */
  nextBigInt(): bigint {
    this.workerLease.assertHeld();
    let nowMs = this.readClockMs();
    if (nowMs < this.lastTimestampMs) {
      nowMs = this.waitForClock(this.lastTimestampMs);
    }
    if (nowMs === this.lastTimestampMs) {
      if (this.sequence === SNOWFLAKE_SEQUENCE_MAX) {
        nowMs = this.waitForClock(this.lastTimestampMs + 1);
        this.sequence = 0;
      } else {
        this.sequence += 1;
      }
    } else {
      this.sequence = 0;
    }
    this.lastTimestampMs = nowMs;
    // Checked again after any wait: the lease may have lapsed while we were blocked.
    this.workerLease.assertHeld();
    if (nowMs !== this.prefixTimestampMs) {
      this.prefix = composeSnowflake({ timestampMs: nowMs, workerId: this.workerId, sequence: 0 });
      this.prefixTimestampMs = nowMs;
    }
    return this.prefix | BigInt(this.sequence);
  }

  private readClockMs(): number {
    const nowMs = Math.floor(this.clock.nowMs());
    const offsetMs = nowMs - SNOWFLAKE_EPOCH_MS;
    if (offsetMs < 0 || offsetMs > SNOWFLAKE_TIMESTAMP_OFFSET_MAX) {
      throw new PlatformError(
        'unavailable.clock_out_of_range',
        'clock is outside the snowflake range',
        { retryable: false, params: { nowMs } },
      );
    }
    return nowMs;
  }

  /** Blocks until the clock reads at least `targetMs`, refusing if that is too far off. */
  private waitForClock(targetMs: number): number {
    for (let round = 0; round < CLOCK_WAIT_ROUNDS_MAX; round++) {
      const nowMs = this.readClockMs();
      if (nowMs >= targetMs) {
        return nowMs;
      }
      // "Behind" counts from the last issued ms; waiting for the ms after it is normal overflow.
      const behindMs = this.lastTimestampMs - nowMs;
      if (behindMs > this.toleranceMs) {
        throw new PlatformError(
          'unavailable.clock_moved_backwards',
          'clock moved backwards beyond the tolerance',
          { retryable: true, params: { behindMs, toleranceMs: this.toleranceMs } },
        );
      }
      this.sleeper.sleepMs(targetMs - nowMs);
    }
    throw new PlatformError('unavailable.clock_stalled', 'clock did not advance', {
      retryable: true,
      params: { targetMs, rounds: CLOCK_WAIT_ROUNDS_MAX },
    });
  }
}
