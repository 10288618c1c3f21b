import { Writable } from 'node:stream';

import { createLogger } from '../logging/logger';
import {
  type TraceableDelivery,
  type TraceableEvent,
  tracedEventHandler,
} from './traced-event-handler';
import { initTracing, type Tracing } from './tracing';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN_ID = '00f067aa0ba902b7';
const delivery: TraceableDelivery = { topic: 'a.topic.v1', attempt: 1 };

function event(traceparent: string | undefined): TraceableEvent {
  return { id: '101', ...(traceparent === undefined ? {} : { traceparent }) };
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
