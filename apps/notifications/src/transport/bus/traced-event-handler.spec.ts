import { Writable } from 'node:stream';

import type { DeliveryContext, EventEnvelope } from '@corebank/platform-event-bus';
import { createLogger, initTracing, type Tracing } from '@corebank/platform-observability';

import { tracedEventHandler } from './traced-event-handler';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN_ID = '00f067aa0ba902b7';
const delivery: DeliveryContext = { topic: 'a.topic.v1', partition: 0, offset: '7', attempt: 1 };

function event(traceparent: string | undefined): EventEnvelope {
  return {
    id: '101',
    type: 'a.thing.happened.v1',
    version: 1,
    occurredAt: '2026-11-22T03:00:00.000Z',
    key: 'acc_1',
    ...(traceparent === undefined ? {} : { traceparent }),
    data: {},
  };
}

function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  return { logger: createLogger({ service: 'test', level: 'info', destination }), lines };
}

describe('tracedEventHandler', () => {
  let tracing: Tracing;

  beforeEach(() => {
    tracing = initTracing({
      serviceName: 'test',
      recorder: { traceCountMax: 10, spanCountPerTraceMax: 10 },
    });
  });

  afterEach(async () => {
    await tracing.shutdown();
  });

  it("logs the handler's lines with the trace id of the event's traceparent, in a child consumer span", async () => {
    const { logger, lines } = capturedLogger();
    const sut = tracedEventHandler('test.consume', (received) => {
      logger.info({ eventId: received.id }, 'handled');
      return Promise.resolve();
    });

    await sut(event(`00-${TRACE_ID}-${PARENT_SPAN_ID}-01`), delivery);

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'handled', trace_id: TRACE_ID });
    expect(lines[0]?.['span_id']).not.toBe(PARENT_SPAN_ID);
    const timeline = tracing.recorder?.timeline(TRACE_ID);
    expect(timeline?.entries.map((span) => [span.name, span.kind, span.parentSpanId])).toEqual([
      ['test.consume', 'consumer', PARENT_SPAN_ID],
    ]);
  });

  it('starts a new trace for an event without traceparent, and passes failures on', async () => {
    const { logger, lines } = capturedLogger();
    const failure = new Error('handler failed');
    const sut = tracedEventHandler('test.consume', () => {
      logger.warn('failing');
      return Promise.reject(failure);
    });

    await expect(sut(event(undefined), delivery)).rejects.toBe(failure);

    expect(lines[0]?.['trace_id']).toMatch(/^[0-9a-f]{32}$/);
    expect(lines[0]?.['trace_id']).not.toBe(TRACE_ID);
  });
});
