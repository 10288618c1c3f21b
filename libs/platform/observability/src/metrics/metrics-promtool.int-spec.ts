import { execFileSync, spawnSync } from 'node:child_process';

import { EngineMissingError } from '@corebank/testing-engines';

import {
  createCounter,
  createDurationHistogram,
  createGauge,
  createMetricsRegistry,
  createSizeHistogram,
} from './metrics';

/** promtool's complaints, less the `_duration_ms` one the project chose (STYLE §8). */
function promtoolProblems(exposition: string): string[] {
  const result = spawnSync(promtoolBinary(), ['check', 'metrics'], {
    input: exposition,
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.error !== undefined) {
    throw result.error;
  }
  return `${result.stdout}${result.stderr}`
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter(
      (line) => !/^\w+_duration_ms metric names should not contain abbreviated units$/.test(line),
    );
}

function promtoolBinary(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).trim();
  } catch {
    throw new EngineMissingError('promtool', 'prometheus');
  }
}

describe('metric names and help pass promtool', () => {
  it('reports no problem for metrics made with the helpers', async () => {
    // Only the helpers' metrics here; the process collectors have the next test.
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

    expect(promtoolProblems(await registry.metrics())).toEqual([]);
  });

  it('reports no problem with Node process metrics on, as every service exposes them', async () => {
    const registry = createMetricsRegistry({ service: 'ledger' });
    const exposition = await registry.metrics();
    // The process collectors are really there (heap, event loop, active handles by type).
    expect(exposition).toContain('nodejs_heap_size_used_bytes');
    expect(exposition).toContain('# TYPE nodejs_active_handles gauge');
    expect(exposition).not.toContain('nodejs_active_handles_total');
    expect(promtoolProblems(exposition)).toEqual([]);
  });
});
