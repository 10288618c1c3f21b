import { Metadata } from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';

import { PlatformError } from '@corebank/platform-errors';

import { ProbeFixture, probeResponse } from '../test/probe-fixture';

/**
 * With a registered tracer provider (what the observability lib sets up in every service), one
 * trace spans the caller, both servers and the client call between them, parent to child.
 */
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register();

const fixture = new ProbeFixture();
afterEach(() => fixture.stopAll());
afterAll(() => provider.shutdown());

const unusedRelay = (): Promise<never> =>
  Promise.reject(
    new PlatformError('internal.not_used', 'relay is not used here', { retryable: false }),
  );

describe('trace context across two hops', () => {
  it('continues the caller trace on both servers with parent-child spans', async () => {
    const downstream = await fixture.startServer({
      probe: (_request, context) =>
        Promise.resolve(probeResponse({ traceparent: context.traceparent ?? '' })),
      relay: unusedRelay,
    });
    const downstreamClient = fixture.client(downstream, { defaultTimeoutMs: 5_000 });
    const upstream = await fixture.startServer({
      probe: unusedRelay,
      relay: (request) => downstreamClient.call('probe', request),
    });
    const sut = fixture.client(upstream, { defaultTimeoutMs: 5_000 });
    const tracer = trace.getTracer('rpc-trace-test');

    const { rootTraceId, response } = await tracer.startActiveSpan('payment', async (root) => {
      const result = await sut.call('relay', { text: '', amountMinor: 0n });
      root.end();
      return { rootTraceId: root.spanContext().traceId, response: result };
    });

    const spans = exporter.getFinishedSpans();
    const byKindAndName = (kind: SpanKind, suffix: string) =>
      spans.find((span) => span.kind === kind && span.name.endsWith(suffix))!;
    const relayClient = byKindAndName(SpanKind.CLIENT, '/Relay');
    const relayServer = byKindAndName(SpanKind.SERVER, '/Relay');
    const probeClient = byKindAndName(SpanKind.CLIENT, '/Probe');
    const probeServer = byKindAndName(SpanKind.SERVER, '/Probe');

    for (const span of [relayClient, relayServer, probeClient, probeServer]) {
      expect(span.spanContext().traceId).toBe(rootTraceId);
    }
    expect(relayServer.parentSpanContext?.spanId).toBe(relayClient.spanContext().spanId);
    expect(probeClient.parentSpanContext?.spanId).toBe(relayServer.spanContext().spanId);
    expect(probeServer.parentSpanContext?.spanId).toBe(probeClient.spanContext().spanId);
    expect(response.traceparent).toBe(`00-${rootTraceId}-${probeClient.spanContext().spanId}-01`);
  });

  it('starts a new trace when the caller sent none, and marks failed calls', async () => {
    const address = await fixture.startServer({
      probe: () => Promise.reject(new PlatformError('unavailable.x', 'down', { retryable: false })),
      relay: unusedRelay,
    });
    const sut = fixture.client(address, { defaultTimeoutMs: 5_000 });
    exporter.reset();

    await expect(
      sut.call('probe', { text: '', amountMinor: 0n }, { metadata: new Metadata() }),
    ).rejects.toBeInstanceOf(PlatformError);

    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(2);
    expect(new Set(spans.map((span) => span.spanContext().traceId)).size).toBe(1);
    expect(spans.every((span) => span.status.code === SpanStatusCode.ERROR)).toBe(true);
  });
});
