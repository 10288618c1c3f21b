import {
  context,
  isSpanContextValid,
  ROOT_CONTEXT,
  trace,
  type Context,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * W3C trace context (`traceparent`, `tracestate`) in plain header maps: Kafka message headers,
 * HTTP headers, the event envelope's `traceparent`. The propagator is used directly so these
 * helpers behave the same whether or not `initTracing` registered a global one.
 */
const propagator = new W3CTraceContextPropagator();

export const TRACEPARENT_HEADER = 'traceparent';
export const TRACESTATE_HEADER = 'tracestate';

/** Header values as HTTP (`string | string[]`) and kafkajs (`Buffer | string`, arrays) give them. */
export type TraceHeaderValue = string | Buffer | readonly (string | Buffer)[] | undefined;
export type TraceHeaderCarrier = Readonly<Record<string, TraceHeaderValue>>;

const headerSetter: TextMapSetter<Record<string, string>> = {
  set(carrier, key, value) {
    carrier[key] = value;
  },
};

const headerGetter: TextMapGetter<TraceHeaderCarrier> = {
  keys(carrier) {
    return Object.keys(carrier);
  },
  get(carrier, key) {
    // Kafka headers keep the producer's spelling; HTTP lower-cases. Match either.
    const name = Object.keys(carrier).find((candidate) => candidate.toLowerCase() === key);
    const value = name === undefined ? undefined : carrier[name];
    if (value === undefined) {
      return undefined;
    }
    if (typeof value === 'string') {
      return value;
    }
    if (Buffer.isBuffer(value)) {
      return value.toString('utf8');
    }
    return (value as readonly (string | Buffer)[]).map((item) =>
      typeof item === 'string' ? item : item.toString('utf8'),
    );
  },
};

/** Writes the trace context of `fromContext` (the active one by default) into `headers`. */
export function injectTraceHeaders(
  headers: Record<string, string>,
  fromContext: Context = context.active(),
): void {
  propagator.inject(fromContext, headers, headerSetter);
}

/** A context whose remote parent is the span described by `headers` (unchanged if none). */
export function extractTraceContext(
  headers: TraceHeaderCarrier,
  into: Context = ROOT_CONTEXT,
): Context {
  return propagator.extract(into, headers, headerGetter);
}

/** The traceparent of the active span, for fields such as the event envelope's `traceparent`. */
export function currentTraceparent(fromContext: Context = context.active()): string | undefined {
  const headers: Record<string, string> = {};
  injectTraceHeaders(headers, fromContext);
  return headers[TRACEPARENT_HEADER];
}

/** The context to continue a trace from a stored traceparent (e.g. a consumed event's). */
export function contextFromTraceparent(
  traceparent: string | undefined,
  into: Context = ROOT_CONTEXT,
): Context {
  return traceparent === undefined
    ? into
    : extractTraceContext({ [TRACEPARENT_HEADER]: traceparent }, into);
}

/** The active trace and span ids, when a valid span is active. */
export function currentTraceIds(
  fromContext: Context = context.active(),
): { traceId: string; spanId: string } | undefined {
  const spanContext = trace.getSpanContext(fromContext);
  return spanContext !== undefined && isSpanContextValid(spanContext)
    ? { traceId: spanContext.traceId, spanId: spanContext.spanId }
    : undefined;
}
