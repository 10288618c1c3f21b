/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And
 * Jitter"): the wait before retry `attempt` (1 = first retry) is uniform in
 * [0, min(max, initial * 2^(attempt-1))]. Full jitter spreads a burst of failed deliveries so
 * they do not retry against the provider in lockstep. `random` returns [0, 1).
 */
export function fullJitterBackoffMs(
  attempt: number,
  backoffInitialMs: number,
  backoffMaxMs: number,
  random: () => number,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceilingMs = Math.min(backoffMaxMs, backoffInitialMs * 2 ** exponent);
  return Math.floor(random() * ceilingMs);
}
