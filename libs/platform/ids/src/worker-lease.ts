import { PlatformError } from '@corebank/platform-errors';

import { SNOWFLAKE_WORKER_ID_MAX } from './snowflake';

/**
 * The right to issue ids under one worker id. Two live generators must never hold the same
 * worker id at the same time, or they could issue the same id.
 */
export interface WorkerLease {
  readonly workerId: number;
  /**
   * The last timestamp (ms since the Unix epoch) a previous holder of this worker id recorded on
   * release, or undefined. The generator issues nothing at or before it, so an id cannot repeat
   * even if this host's clock is behind the previous holder's.
   */
  readonly previousHolderLastTimestampMs: number | undefined;
  /** Aborted, with the reason, once the lease is lost or released. Never un-aborts. */
  readonly lost: AbortSignal;
  /**
   * Called before every id, so it must be cheap (no I/O).
   *
   * @throws PlatformError `unavailable.id_worker_lease` (retryable) when the lease is lost,
   *   released, or cannot be proven to be held right now.
   */
  assertHeld(): void;
  /**
   * Gives the worker id back. `lastTimestampMs` is the generator's last issued timestamp, kept
   * for the next holder (see `previousHolderLastTimestampMs`). Safe to call twice.
   */
  release(lastTimestampMs?: number): Promise<void>;
}

export function workerLeaseLostError(workerId: number, reason: string): PlatformError {
  return new PlatformError('unavailable.id_worker_lease', 'id worker lease is not held', {
    retryable: true,
    params: { workerId, reason },
  });
}

/**
 * A worker id assigned by configuration (the embedded single-process bank, tests). Nothing
 * enforces uniqueness across processes: whoever assigns the ids must.
 */
export class ConfiguredWorkerLease implements WorkerLease {
  readonly previousHolderLastTimestampMs = undefined;
  private readonly releaseController = new AbortController();

  constructor(readonly workerId: number) {
    if (!Number.isInteger(workerId) || workerId < 0 || workerId > SNOWFLAKE_WORKER_ID_MAX) {
      throw new RangeError(`worker id ${workerId} is outside 0..${SNOWFLAKE_WORKER_ID_MAX}`);
    }
  }

  get lost(): AbortSignal {
    return this.releaseController.signal;
  }

  assertHeld(): void {
    if (this.releaseController.signal.aborted) {
      throw workerLeaseLostError(this.workerId, 'released');
    }
  }

  release(): Promise<void> {
    this.releaseController.abort('released');
    return Promise.resolve();
  }
}
