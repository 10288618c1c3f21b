import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';

import { PlatformError } from '@corebank/platform-errors';

import { formatTimeline } from './span-recorder';
import {
  contextFromTraceparent,
  currentTraceIds,
  currentTraceparent,
  extractTraceContext,
  injectTraceHeaders,
} from './trace-headers';
import { initTracing, type Tracing } from './tracing';
import { runInSpan, withTracing } from './with-span';

let tracing: Tracing | undefined;
afterEach(async () => {
  await tracing?.shutdown();
  tracing = undefined;
});

function start(options: Partial<Parameters<typeof initTracing>[0]> = {}): Tracing {
  tracing = initTracing({ serviceName: 'authorization', ...options });
  return tracing;
}

describe('initTracing', () => {
  it('records nested spans and prints their timeline parent first', async () => {
    const sut = start();
    const tracer = sut.tracer();

    const traceId = await tracer.startActiveSpan('authorize payment', async (root) => {
      await runInSpan('place hold', () => runInSpan('ledger post', () => Promise.resolve()), {
        kind: SpanKind.CLIENT,
      });
      await runInSpan('record decision', () => Promise.resolve());
      root.end();
      return root.spanContext().traceId;
    });

    const timeline = sut.recorder!.timeline(traceId)!;
    expect(timeline.entries.map((entry) => [entry.name, entry.depth])).toEqual([
      ['authorize payment', 0],
      ['place hold', 1],
      ['ledger post', 2],
      ['record decision', 1],
    ]);
    expect(timeline.entries.every((entry) => entry.service === 'authorization')).toBe(true);
    const text = formatTimeline(timeline);
    expect(text.split('\n')).toHaveLength(5);
    expect(text).toContain(`trace ${traceId} 4 spans`);
    expect(text).toMatch(/authorization\s+ {2}client\s+place hold/);
  });

  it('keeps at most traceCountMax traces and spanCountPerTraceMax spans per trace', () => {
    const sut = start({ recorder: { traceCountMax: 2, spanCountPerTraceMax: 2 } });
    const tracer = sut.tracer();
    const traceIds: string[] = [];
    for (let traceIndex = 0; traceIndex < 3; traceIndex += 1) {
      tracer.startActiveSpan(`root ${traceIndex}`, (root) => {
        for (let childIndex = 0; childIndex < 3; childIndex += 1) {
          tracer.startSpan(`child ${childIndex}`).end();
        }
        root.end();
        traceIds.push(root.spanContext().traceId);
      });
    }

    expect(sut.recorder!.traceIds()).toEqual([traceIds[1], traceIds[2]]);
    expect(sut.recorder!.timeline(traceIds[0])).toBeUndefined();
    const timeline = sut.recorder!.timeline(traceIds[2])!;
    expect(timeline.entries).toHaveLength(2);
    expect(timeline.droppedSpanCount).toBe(2);
  });

  it('scrubs span names and string attributes like log lines', () => {
    const sut = start();
    const span = sut.tracer().startSpan('lookup 4111111111111111', {
      attributes: { 'card.hint': 'pan 4111111111111111', 'amount.minor': 1500 },
    });
    span.end();

    const [recorded] = sut.recorder!.spans(span.spanContext().traceId);
    expect(JSON.stringify(recorded)).not.toContain('4111111111111111');
    expect(recorded.attributes['amount.minor']).toBe(1500);
  });

  it('can run without the recorder', () => {
    expect(start({ recorder: false }).recorder).toBeUndefined();
  });

  it('refuses a second provider until the first is shut down', async () => {
    const first = start();
    expect(() => initTracing({ serviceName: 'again' })).toThrow(
      expect.objectContaining({ code: 'internal.tracing_already_initialised' }) as Error,
    );
    await first.shutdown();
    tracing = initTracing({ serviceName: 'again' });
    expect(tracing.recorder).toBeDefined();
  });

  it('registers W3C propagation globally', () => {
    const sut = start();
    sut.tracer().startActiveSpan('outgoing', (span) => {
      const headers: Record<string, string> = {};
      propagation.inject(context.active(), headers);
      expect(headers.traceparent).toBe(
        `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`,
      );
      span.end();
    });
  });
});

describe('trace headers', () => {
  it('carries a span across a header map, as Kafka or HTTP headers', () => {
    const sut = start();
    const tracer = sut.tracer();
    const headers: Record<string, string> = {};
    const producer = tracer.startSpan('publish', { kind: SpanKind.PRODUCER });
    injectTraceHeaders(headers, trace.setSpan(ROOT_CONTEXT, producer));
    producer.end();

    // Kafka delivers header values as Buffers, under the producer's spelling of the key.
    const consumed = { TraceParent: Buffer.from(headers.traceparent) };
    const consumer = tracer.startSpan(
      'consume',
      { kind: SpanKind.CONSUMER },
      extractTraceContext(consumed),
    );
    consumer.end();

    const [, recordedConsumer] = sut.recorder!.spans(producer.spanContext().traceId);
    expect(recordedConsumer.parentSpanId).toBe(producer.spanContext().spanId);
  });

  it('reads and restores a traceparent for the event envelope', () => {
    const sut = start();
    sut.tracer().startActiveSpan('decision', (span) => {
      const traceparent = currentTraceparent()!;
      const restored = contextFromTraceparent(traceparent);

      expect(currentTraceIds(restored)).toEqual({
        traceId: span.spanContext().traceId,
        spanId: span.spanContext().spanId,
      });
      expect(currentTraceIds()).toEqual(currentTraceIds(restored));
      span.end();
    });
    expect(currentTraceparent()).toBeUndefined();
    expect(contextFromTraceparent('not a traceparent')).toBe(ROOT_CONTEXT);
    expect(contextFromTraceparent(undefined)).toBe(ROOT_CONTEXT);
  });

  it('works without a registered provider (no tracing set up)', () => {
    const headers: Record<string, string> = {};
    const remote = contextFromTraceparent(
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    );
    injectTraceHeaders(headers, remote);
    expect(headers.traceparent).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
  });
});

describe('runInSpan and withTracing', () => {
  it('marks a failed span with the PlatformError code and rethrows', async () => {
    const sut = start();
    const useCase = withTracing('post transfer', {
      execute: (amountMinor: bigint) =>
        amountMinor > 0n
          ? Promise.resolve('posted')
          : Promise.reject(new PlatformError('invalid.amount', 'bad amount', { retryable: false })),
    });

    await expect(useCase.execute(5n)).resolves.toBe('posted');
    await expect(useCase.execute(-1n)).rejects.toMatchObject({ code: 'invalid.amount' });

    const spans = sut.recorder!.traceIds().flatMap((traceId) => sut.recorder!.spans(traceId));
    expect(spans.map((span) => [span.name, span.status, span.attributes['error.code']])).toEqual([
      ['post transfer', 'unset', undefined],
      ['post transfer', 'error', 'invalid.amount'],
    ]);
  });
});
