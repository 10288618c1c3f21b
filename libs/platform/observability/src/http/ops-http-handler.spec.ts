import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { HealthRegistry } from '../health/health';
import { createCounter, createMetricsRegistry } from '../metrics/metrics';
import { opsHttpHandler } from './ops-http-handler';

let server: Server | undefined;
afterEach(() => new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined))));

async function serve(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('opsHttpHandler', () => {
  it('routes metrics and health, and answers 404 for what it was not given', async () => {
    const registry = createMetricsRegistry({ service: 'feed', processMetrics: false });
    createCounter(registry, { name: 'feed_items_written_total', help: 'Items written.' }).inc();
    const health = new HealthRegistry();
    health.register({
      name: 'store',
      probe: 'readiness',
      timeoutMs: 1_000,
      run: () => Promise.resolve(),
    });
    const base = await serve(opsHttpHandler({ metrics: registry, health }));

    const metrics = await fetch(`${base}/metrics`);
    const ready = await fetch(`${base}/health/ready`);
    const live = await fetch(`${base}/health/live`);
    const traces = await fetch(`${base}/traces`);
    const other = await fetch(`${base}/admin`);

    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('feed_items_written_total');
    expect(ready.status).toBe(200);
    expect(live.status).toBe(200);
    expect(traces.status).toBe(404);
    expect(other.status).toBe(404);
  });
});
