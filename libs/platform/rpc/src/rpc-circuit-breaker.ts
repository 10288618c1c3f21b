import type { Clock } from '@corebank/platform-clock';

/** How a finished call counts for the breaker. */
export type BreakerOutcome =
  /** The server answered (a business error included): evidence that it is healthy. */
  | 'success'
  /** The server failed or could not be reached. */
  | 'failure'
  /** Says nothing about the server (we cancelled the call): not counted. */
  | 'neutral';

export interface CircuitBreakerOptions {
  /** Opens when more than this percentage of the window's calls failed. */
  readonly openAtFailurePercent: number;
  readonly windowMs: number;
  readonly windowBucketCount: number;
  /** No decision before this many calls were counted in the window. */
  readonly callCountMin: number;
  /** Open this long, then one trial call is let through (half-open). */
  readonly openDurationMs: number;
}

/** Marks a slot that holds no bucket of the window (older than any epoch). */
const NO_BUCKET = Number.NEGATIVE_INFINITY;

/**
 * A count-based circuit breaker with a rolling window of time buckets, accounted lazily: buckets
 * are rotated when a call is recorded, from the clock, so there are no timers and no per-call
 * promises or events (it replaced opossum on the hot path of every gRPC call). Half-open lets
 * exactly one trial call through; its success closes the circuit with a fresh window, its failure
 * opens it again.
 */
export class RollingCircuitBreaker {
  private readonly bucketMs: number;
  private readonly bucketEpochs: number[];
  private readonly bucketSuccessCounts: number[];
  private readonly bucketFailureCounts: number[];
  private state: 'closed' | 'open' | 'half_open' = 'closed';
  private openedAtMs = 0;
  private trialInFlight = false;

  constructor(
    private readonly options: CircuitBreakerOptions,
    private readonly clock: Clock,
  ) {
    const bucketCount = Math.max(1, Math.floor(options.windowBucketCount));
    this.bucketMs = Math.max(1, options.windowMs / bucketCount);
    this.bucketEpochs = new Array<number>(bucketCount).fill(NO_BUCKET);
    this.bucketSuccessCounts = new Array<number>(bucketCount).fill(0);
    this.bucketFailureCounts = new Array<number>(bucketCount).fill(0);
  }

  /** The state a caller would see now (an elapsed open period reads as half-open). */
  currentState(): 'closed' | 'open' | 'half_open' {
    if (this.state === 'open' && this.openPeriodOver()) {
      return 'half_open';
    }
    return this.state;
  }

  /**
   * Whether a call may be sent now. In half-open, true for one trial at a time; the caller must
   * then `record` that call's outcome.
   */
  tryAcquire(): boolean {
    if (this.state === 'closed') {
      return true;
    }
    if (this.state === 'open') {
      if (!this.openPeriodOver()) {
        return false;
      }
      this.state = 'half_open';
    }
    if (this.trialInFlight) {
      return false;
    }
    this.trialInFlight = true;
    return true;
  }

  record(outcome: BreakerOutcome): void {
    if (this.state !== 'closed') {
      if (!this.trialInFlight) {
        // A call sent before the circuit opened: the open period decides, not this late answer.
        return;
      }
      this.trialInFlight = false;
      if (outcome === 'success') {
        this.close();
      } else if (outcome === 'failure') {
        this.open();
      }
      return;
    }
    if (outcome === 'neutral') {
      return;
    }
    const slot = this.currentSlot();
    if (outcome === 'success') {
      this.bucketSuccessCounts[slot] += 1;
      return;
    }
    this.bucketFailureCounts[slot] += 1;
    this.openIfFailureRateCrossed();
  }

  private openIfFailureRateCrossed(): void {
    const oldestEpoch = this.epochNow() - this.bucketEpochs.length + 1;
    let successCount = 0;
    let failureCount = 0;
    for (let slot = 0; slot < this.bucketEpochs.length; slot += 1) {
      if (this.bucketEpochs[slot] >= oldestEpoch) {
        successCount += this.bucketSuccessCounts[slot];
        failureCount += this.bucketFailureCounts[slot];
      }
    }
    const callCount = successCount + failureCount;
    if (
      callCount >= this.options.callCountMin &&
      failureCount * 100 > this.options.openAtFailurePercent * callCount
    ) {
      this.open();
    }
  }

  private epochNow(): number {
    return Math.floor(this.clock.nowMs() / this.bucketMs);
  }

  /** The slot of the current bucket, cleared first if it last held an older bucket. */
  private currentSlot(): number {
    const epoch = this.epochNow();
    const slot = epoch % this.bucketEpochs.length;
    if (this.bucketEpochs[slot] !== epoch) {
      this.bucketEpochs[slot] = epoch;
      this.bucketSuccessCounts[slot] = 0;
      this.bucketFailureCounts[slot] = 0;
    }
    return slot;
  }

  private openPeriodOver(): boolean {
    return this.clock.nowMs() - this.openedAtMs >= this.options.openDurationMs;
  }

  private open(): void {
    this.state = 'open';
    this.openedAtMs = this.clock.nowMs();
  }

  private close(): void {
    this.state = 'closed';
    this.bucketEpochs.fill(NO_BUCKET);
    this.bucketSuccessCounts.fill(0);
    this.bucketFailureCounts.fill(0);
  }
}
