import type { BankUnderTest, NamedScenario } from '../scenarios/bank-under-test';
import { ProberMetrics } from './prober-metrics';
import { runProberLoop } from './prober';

const BANK: BankUnderTest = {
  soapUrl: 'http://127.0.0.1:1/ehi',
  cardsGrpcAddress: '127.0.0.1:1',
  feedUrl: 'http://127.0.0.1:1',
  notificationsUrl: 'http://127.0.0.1:1',
  customerToken: () => Promise.resolve('token'),
};

async function sampleValue(
  metrics: ProberMetrics,
  name: string,
  labels: Readonly<Record<string, string>>,
): Promise<number | undefined> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((entry) => entry.name === name);
  // Counters and gauges only: one sample per label set.
  const sample = metric?.values.find((value) =>
    Object.entries(labels).every(([key, expected]) => value.labels[key] === expected),
  );
  return sample?.value;
}

describe('the prober loop and its metrics', () => {
  const passing: NamedScenario = {
    name: 'passing',
    run: async (_bank, report) => {
      await report.step('first', () => Promise.resolve(1));
      await report.step('second', () => Promise.resolve(2));
    },
  };
  const failing: NamedScenario = {
    name: 'failing',
    run: async (_bank, report) => {
      await report.step('ok', () => Promise.resolve());
      await report.step('broken', () => Promise.reject(new Error('declined 91')));
    },
  };

  it('runs every scenario once per round for the bounded number of rounds and counts each step', async () => {
    const metrics = new ProberMetrics(() => 1_700_000_000_000);
    const logged: Readonly<Record<string, unknown>>[] = [];
    const rounds = await runProberLoop({
      bank: BANK,
      scenarios: [passing, failing],
      metrics,
      intervalMs: 1,
      iterationsMax: 3,
      signal: new AbortController().signal,
      log: (entry) => logged.push(entry),
    });
    expect(rounds).toBe(3);
    const steps = { scenario: 'passing', step: 'second' };
    expect(
      await sampleValue(metrics, 'prober_step_runs_total', { ...steps, outcome: 'success' }),
    ).toBe(3);
    expect(await sampleValue(metrics, 'prober_step_last_success_timestamp_seconds', steps)).toBe(
      1_700_000_000,
    );
    const broken = { scenario: 'failing', step: 'broken' };
    expect(
      await sampleValue(metrics, 'prober_step_runs_total', { ...broken, outcome: 'failure' }),
    ).toBe(3);
    expect(
      await sampleValue(metrics, 'prober_step_runs_total', { ...broken, outcome: 'success' }),
    ).toBeUndefined();
    expect(
      await sampleValue(metrics, 'prober_step_last_success_timestamp_seconds', broken),
    ).toBeUndefined();
    expect(
      await sampleValue(metrics, 'prober_scenario_runs_total', {
        scenario: 'failing',
        outcome: 'failure',
      }),
    ).toBe(3);
    expect(await sampleValue(metrics, 'prober_rounds_total', {})).toBe(3);
    expect(logged.filter((entry) => entry['message'] === 'scenario failed')).toHaveLength(3);
    expect(logged.find((entry) => entry['message'] === 'scenario failed')).toMatchObject({
      scenario: 'failing',
      error: 'step broken: declined 91',
    });
  });

  it('stops between rounds when aborted, without waiting out the interval', async () => {
    const stopping = new AbortController();
    const metrics = new ProberMetrics();
    const stopper: NamedScenario = {
      name: 'stopper',
      run: (_bank, report) => report.step('only', () => Promise.resolve(stopping.abort())),
    };
    // An hour's interval: only the abort can end this within the test's timeout.
    const rounds = await runProberLoop({
      bank: BANK,
      scenarios: [stopper],
      metrics,
      intervalMs: 3_600_000,
      iterationsMax: 0,
      signal: stopping.signal,
      log: () => undefined,
    });
    expect(rounds).toBe(1);
  }, 10_000);
});
