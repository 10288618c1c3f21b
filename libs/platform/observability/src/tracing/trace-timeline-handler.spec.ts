import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { SpanKind } from '@opentelemetry/api';

import { traceTimelineHandler } from './trace-timeline-handler';
import { initTracing, type Tracing } from './tracing';

let tracing: Tracing | undefined;
let server: Server | undefined;
afterEach(async () => {
  await tracing?.shutdown();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
});

describe('traceTimelineHandler', () => {
  it('lists recent traces and prints one as text or JSON', async () => {
    tracing = initTracing({ serviceName: 'card-gateway' });
    const tracer = tracing.tracer();
    const traceId = tracer.startActiveSpan(
      'AuthorizePayment',
      { kind: SpanKind.SERVER },
      (root) => {
        tracer.startSpan('place hold', { kind: SpanKind.CLIENT }).end();
        root.end();
        return root.spanContext().traceId;
      },
    );
    server = createServer(traceTimelineHandler(tracing.recorder!));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const list = (await (await fetch(`${base}/traces`)).json()) as { traceIds: string[] };
    const text = await (await fetch(`${base}/traces/${traceId}`)).text();
    const json = (await (
      await fetch(`${base}/traces/${traceId}`, { headers: { accept: 'application/json' } })
    ).json()) as { entries: { name: string; depth: number }[] };
    const missing = await fetch(`${base}/traces/${'0'.repeat(32)}`);
    const malformed = await fetch(`${base}/traces/../../etc/passwd`);

    expect(list.traceIds).toEqual([traceId]);
    expect(text).toContain(`trace ${traceId} 2 spans`);
    expect(text).toMatch(
      /card-gateway\s+server\s+AuthorizePayment\n.*card-gateway\s+ {2}client\s+place hold/,
    );
    expect(json.entries.map((entry) => [entry.name, entry.depth])).toEqual([
      ['AuthorizePayment', 0],
      ['place hold', 1],
    ]);
    expect(missing.status).toBe(404);
    expect(malformed.status).toBe(404);
  });
});
