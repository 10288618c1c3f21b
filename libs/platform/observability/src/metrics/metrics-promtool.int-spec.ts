import { execFileSync, spawnSync } from 'node:child_process';

import { EngineMissingError } from '@corebank/testing-engines';

import {
  createCounter,
  createDurationHistogram,
  createGauge,
  createMetricsRegistry,
  createSizeHistogram,
} from './metrics';

function promtoolBinary(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).trim();
  } catch {
    throw new EngineMissingError('promtool', 'prometheus');
  }
}

describe('metric names and help pass promtool', () => {
  it('reports no problem for metrics made with the helpers', async () => {
    // Process metrics are left out: prom-client's nodejs_active_*_total gauges fail the lint.
    const registry = createMetricsRegistry({ service: 'ledger', processMetrics: false });
    createDurationHistogram(registry, {
      name: 'ledger_post_duration_ms',
      help: 'Time to post one transfer.',
      labelNames: ['outcome'],
    }).observe({ outcome: 'ok' }, 3);
    createSizeHistogram(registry, {
      name: 'bus_message_size_bytes',
      help: 'Size of one published message.',
      buckets: [256, 1_024, 16_384],
    }).observe(300);
    createCounter(registry, {
      name: 'ledger_transfers_posted_total',
      help: 'Transfers posted.',
    }).inc();
    createGauge(registry, {
      name: 'ledger_pending_holds',
      help: 'Holds not yet posted or voided.',
    }).set(2);

    const result = spawnSync(promtoolBinary(), ['check', 'metrics'], {
      input: await registry.metrics(),
      encoding: 'utf8',
      timeout: 30_000,
    });

    // STYLE §8 names durations `_duration_ms`; promtool prefers base units and flags `_ms` as
    // an abbreviated unit. That one lint is a deliberate project choice; anything else fails.
    const problems = `${result.stdout}${result.stderr}`
      .split('\n')
      .filter((line) => line.trim() !== '')
      .filter(
        (line) => !/^\w+_duration_ms metric names should not contain abbreviated units$/.test(line),
      );
    expect(result.error).toBeUndefined();
    expect(problems).toEqual([]);
  });
});
