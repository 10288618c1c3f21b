import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  createCounter,
  createDurationHistogram,
  createGauge,
  createMetricsRegistry,
  createSizeHistogram,
  metricsHandler,
  observeDurationMs,
  withDurationMetric,
} from './metrics';

describe('metrics', () => {
  it('refuses names without their unit suffix', () => {
    const registry = createMetricsRegistry({ service: 'ledger', processMetrics: false });
    const refused = [
      () => createDurationHistogram(registry, { name: 'ledger_post_latency', help: 'h' }),
      () => createDurationHistogram(registry, { name: 'Ledger_post_duration_ms', help: 'h' }),
      () => createSizeHistogram(registry, { name: 'bus_message_size', help: 'h', buckets: [1] }),
      () => createCounter(registry, { name: 'ledger_transfers', help: 'h' }),
      () => createGauge(registry, { name: 'ledger_holds_total', help: 'h' }),
    ];
    for (const create of refused) {
      expect(create).toThrow(expect.objectContaining({ code: 'invalid.metric_name' }) as Error);
    }
  });

  it('observes durations in ms with an outcome label, through a use-case decorator', async () => {
    const registry = createMetricsRegistry({ service: 'ledger', processMetrics: false });
    const histogram = createDurationHistogram(registry, {
      name: 'ledger_post_duration_ms',
      help: 'Time to post one transfer.',
      labelNames: ['operation', 'outcome'],
    });
    let nowMs = 1_000;
    await observeDurationMs(
      histogram,
      { operation: 'hold' },
      () => {
        nowMs += 7;
        return Promise.resolve();
      },
      () => nowMs,
    );
    const useCase = withDurationMetric(
      histogram,
      { operation: 'post' },
      {
        execute: (fail: boolean) => (fail ? Promise.reject(new Error('x')) : Promise.resolve(1)),
      },
    );
    await useCase.execute(false);
    await expect(useCase.execute(true)).rejects.toThrow('x');

    const text = await registry.metrics();
    expect(text).toContain(
      'ledger_post_duration_ms_bucket{le="10",service="ledger",operation="hold",outcome="ok"} 1',
    );
    expect(text).toContain(
      'ledger_post_duration_ms_bucket{le="5",service="ledger",operation="hold",outcome="ok"} 0',
    );
    expect(text).toContain(
      'ledger_post_duration_ms_count{service="ledger",operation="post",outcome="error"} 1',
    );
  });

  describe('metricsHandler', () => {
    let server: Server | undefined;
    afterEach(
      () => new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined))),
    );

    it('serves the registry as Prometheus text on GET and refuses other methods', async () => {
      const registry = createMetricsRegistry({ service: 'feed' });
      createCounter(registry, { name: 'feed_items_written_total', help: 'Items written.' }).inc(3);
      server = createServer(metricsHandler(registry));
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;

      const response = await fetch(url);
      const body = await response.text();
      const refused = await fetch(url, { method: 'POST' });

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      expect(body).toContain('feed_items_written_total{service="feed"} 3');
      expect(body).toContain('process_cpu_user_seconds_total');
      expect(refused.status).toBe(405);
    });
  });
});
