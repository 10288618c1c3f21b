/** Time comes in through this port so domain and application code stay deterministic in tests. */
export interface Clock {
  /** Milliseconds since the Unix epoch, UTC. */
  nowMs(): number;
  now(): Date;
}

export const CLOCK = Symbol('CLOCK');

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  now: () => new Date(),
};

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private currentMs: number) {}

  nowMs(): number {
    return this.currentMs;
  }

  now(): Date {
    return new Date(this.currentMs);
  }

  advanceMs(deltaMs: number): void {
    this.currentMs += deltaMs;
  }

  setMs(ms: number): void {
    this.currentMs = ms;
  }
}
