import { Counter, Gauge, Histogram, Registry } from 'prom-client';

import type { StepReporter } from '../scenarios/bank-under-test';

/** Seconds; a step is one call or a wait for an asynchronous effect (feed item, push: up to 20 s). */
const STEP_DURATION_BUCKETS_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20,
] as const;

/**
 * The prober's Prometheus metrics, on their own registry (no process collectors: prom-client's
 * `nodejs_active_*_total` gauges fail `promtool check metrics`). Labels: scenario and step names
 * are fixed identifiers from the scenario code, so the series count is bounded.
 */
export class ProberMetrics {
  readonly registry = new Registry();
  private readonly stepRuns = new Counter({
    name: 'prober_step_runs_total',
    help: 'Runs of one scenario step, by outcome (success or failure).',
    labelNames: ['scenario', 'step', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly stepDuration = new Histogram({
    name: 'prober_step_duration_seconds',
    help: 'Time one scenario step took, successful or not.',
    labelNames: ['scenario', 'step'] as const,
    buckets: [...STEP_DURATION_BUCKETS_SECONDS],
    registers: [this.registry],
  });
  private readonly stepLastSuccess = new Gauge({
    name: 'prober_step_last_success_timestamp_seconds',
    help: 'Unix time of the last successful run of one scenario step.',
    labelNames: ['scenario', 'step'] as const,
    registers: [this.registry],
  });
  private readonly scenarioRuns = new Counter({
    name: 'prober_scenario_runs_total',
    help: 'Runs of one whole scenario, by outcome (success or failure).',
    labelNames: ['scenario', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly scenarioLastSuccess = new Gauge({
    name: 'prober_scenario_last_success_timestamp_seconds',
    help: 'Unix time of the last successful run of one whole scenario.',
    labelNames: ['scenario'] as const,
    registers: [this.registry],
  });
  private readonly rounds = new Counter({
    name: 'prober_rounds_total',
    help: 'Rounds the prober completed (every scenario once per round).',
    registers: [this.registry],
  });

  constructor(private readonly nowMs: () => number = Date.now) {}

  /** A StepReporter that times and counts each step of `scenario`. */
  reporterFor(scenario: string): StepReporter {
    return {
      step: async <T>(step: string, run: () => Promise<T>): Promise<T> => {
        const labels = { scenario, step };
        const startedMs = this.nowMs();
        try {
          const result = await run();
          this.stepRuns.inc({ ...labels, outcome: 'success' });
          this.stepLastSuccess.set(labels, this.nowMs() / 1000);
          return result;
        } catch (error) {
          this.stepRuns.inc({ ...labels, outcome: 'failure' });
          if (error instanceof Error && !error.message.startsWith('step ')) {
            error.message = `step ${step}: ${error.message}`;
          }
          throw error;
        } finally {
          this.stepDuration.observe(labels, (this.nowMs() - startedMs) / 1000);
        }
      },
    };
  }

  scenarioFinished(scenario: string, succeeded: boolean): void {
    this.scenarioRuns.inc({ scenario, outcome: succeeded ? 'success' : 'failure' });
    if (succeeded) {
      this.scenarioLastSuccess.set({ scenario }, this.nowMs() / 1000);
    }
  }

  roundFinished(): void {
    this.rounds.inc();
  }
}
