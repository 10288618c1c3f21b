/**
 * Blocks the calling thread. The IdGenerator port is synchronous, so when the generator must wait
 * for the clock (a sequence overflow, a small step back) it cannot await; it blocks instead, for
 * at most the clock-back tolerance (default 50 ms). Tests inject one that moves a ManualClock.
 */
export interface BlockingSleeper {
  sleepMs(durationMs: number): void;
}

const sleepCell = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));

/**
 * Sleeps with `Atomics.wait` on a cell nobody notifies, so it always times out. Unlike a busy
 * loop it leaves the CPU to other processes; Node allows it on the main thread.
 */
export const threadSleeper: BlockingSleeper = {
  sleepMs(durationMs: number): void {
    if (durationMs > 0) {
      Atomics.wait(sleepCell, 0, 0, durationMs);
    }
  },
};
