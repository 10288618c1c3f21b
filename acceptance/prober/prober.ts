import type { BankUnderTest, NamedScenario } from '../scenarios/bank-under-test';
import type { ProberMetrics } from './prober-metrics';

export interface ProberLoopOptions {
  readonly bank: BankUnderTest;
  readonly scenarios: readonly NamedScenario[];
  readonly metrics: ProberMetrics;
  /** Start-to-start time of two rounds. */
  readonly intervalMs: number;
  /** Rounds to run; 0 = until `signal` aborts. */
  readonly iterationsMax: number;
  readonly signal: AbortSignal;
  readonly log: (entry: Readonly<Record<string, unknown>>) => void;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/**
 * Runs every scenario once per round, one after another (each on its own test customer), until
 * `iterationsMax` rounds ran or `signal` aborts. A failing scenario is counted and logged, never
 * fatal: the prober's job is to keep measuring. Returns the number of rounds completed.
 */
export async function runProberLoop(options: ProberLoopOptions): Promise<number> {
  const { bank, scenarios, metrics, intervalMs, iterationsMax, signal, log } = options;
  let rounds = 0;
  while (!signal.aborted && (iterationsMax === 0 || rounds < iterationsMax)) {
    const roundStartedMs = Date.now();
    for (const scenario of scenarios) {
      if (signal.aborted) {
        break;
      }
      const startedMs = Date.now();
      try {
        await scenario.run(bank, metrics.reporterFor(scenario.name));
        metrics.scenarioFinished(scenario.name, true);
        log({ message: 'scenario passed', scenario: scenario.name, ms: Date.now() - startedMs });
      } catch (error) {
        metrics.scenarioFinished(scenario.name, false);
        log({
          message: 'scenario failed',
          scenario: scenario.name,
          ms: Date.now() - startedMs,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    rounds += 1;
    metrics.roundFinished();
    if (iterationsMax !== 0 && rounds >= iterationsMax) {
      break;
    }
    await sleep(Math.max(0, roundStartedMs + intervalMs - Date.now()), signal);
  }
  return rounds;
}
