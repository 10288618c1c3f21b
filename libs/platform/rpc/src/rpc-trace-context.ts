import type { Metadata } from '@grpc/grpc-js';
import {
  ROOT_CONTEXT,
  trace,
  type Context,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * W3C trace context in gRPC metadata (`traceparent`, `tracestate`). The propagator is used
 * directly rather than through the global API so propagation works even in a process that never
 * registered one (tests, tools); recording spans still needs a registered tracer provider.
 */
const propagator = new W3CTraceContextPropagator();

export const TRACEPARENT_METADATA_KEY = 'traceparent';

const metadataSetter: TextMapSetter<Metadata> = {
  set(carrier, key, value) {
    carrier.set(key, value);
  },
};

const metadataGetter: TextMapGetter<Metadata> = {
  keys(carrier) {
    return Object.keys(carrier.getMap());
  },
  get(carrier, key) {
    const values = carrier.get(key).filter((value): value is string => typeof value === 'string');
    return values.length === 0 ? undefined : values;
  },
};

/** Writes the trace context of `context` into `metadata` (no-op without a valid span context). */
export function injectTraceContext(context: Context, metadata: Metadata): void {
  propagator.inject(context, metadata, metadataSetter);
}

/** The trace context the caller sent, as a child-ready OpenTelemetry context. */
export function extractTraceContext(metadata: Metadata): Context {
  return propagator.extract(ROOT_CONTEXT, metadata, metadataGetter);
}

export function traceparentOf(metadata: Metadata): string | undefined {
  const value = metadata.get(TRACEPARENT_METADATA_KEY)[0];
  return typeof value === 'string' ? value : undefined;
}

export function hasSpan(context: Context): boolean {
  return trace.getSpanContext(context) !== undefined;
}
