import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';

import { PlatformError } from '@corebank/platform-errors';

import {
  type HostedServiceOfServerSpan,
  HostedServiceSpanProcessor,
} from '../process/hosted-services';
import {
  DEFAULT_SPAN_RECORDER,
  InMemorySpanRecorder,
  type SpanRecorderOptions,
} from './span-recorder';

export const TRACING = Symbol('TRACING');

export interface OtlpExportOptions {
  /** OTLP/HTTP traces endpoint, e.g. `http://otel-collector:4318/v1/traces`. */
  url: string;
  /** One export request's timeout. */
  exportTimeoutMs: number;
  /** Spans waiting for export; beyond this new spans are dropped rather than using memory. */
  queueSizeMax: number;
  batchSizeMax: number;
  /** How long spans wait to be batched. */
  batchDelayMs: number;
}

export interface TracingOptions {
  /** Resource `service.name` on every span. */
  serviceName: string;
  /** Export over OTLP/HTTP only when given; nothing leaves the process otherwise. */
  otlp?: OtlpExportOptions;
  /** The in-memory recorder behind trace timelines; `false` turns it off. */
  recorder?: SpanRecorderOptions | false;
  /** A process hosting several services: which one serves an incoming call (see hosted-services). */
  hostedServiceOfServerSpan?: HostedServiceOfServerSpan;
}

export interface Tracing {
  /** The in-memory span recorder, when enabled. */
  readonly recorder: InMemorySpanRecorder | undefined;
  tracer(name?: string): Tracer;
  /** Exports what is queued (for tests and before exit). */
  forceFlush(): Promise<void>;
  /** Flushes, stops exporting and unregisters the global tracer, context manager and propagator. */
  shutdown(): Promise<void>;
}

let active: Tracing | undefined;

/**
 * Registers the process-wide OpenTelemetry tracer provider: AsyncLocalStorage context, W3C trace
 * context propagation, an in-memory recorder and, when configured, an OTLP/HTTP exporter.
 * One per process (OpenTelemetry's globals are per process); `shutdown()` allows a new one.
 *
 * @throws PlatformError `internal.tracing_already_initialised` when called twice without shutdown.
 */
export function initTracing(options: TracingOptions): Tracing {
  if (active !== undefined) {
    throw new PlatformError('internal.tracing_already_initialised', 'tracing is already set up', {
      retryable: false,
    });
  }
  const recorder =
    options.recorder === false
      ? undefined
      : new InMemorySpanRecorder(options.recorder ?? DEFAULT_SPAN_RECORDER);
  // First, so the processors after it see the hosted service's attribute.
  const spanProcessors: SpanProcessor[] = [
    new HostedServiceSpanProcessor(options.hostedServiceOfServerSpan),
  ];
  if (recorder !== undefined) {
    spanProcessors.push(recorder);
  }
  if (options.otlp !== undefined) {
    spanProcessors.push(
      new BatchSpanProcessor(
        new OTLPTraceExporter({
          url: options.otlp.url,
          timeoutMillis: options.otlp.exportTimeoutMs,
        }),
        {
          maxQueueSize: options.otlp.queueSizeMax,
          maxExportBatchSize: options.otlp.batchSizeMax,
          scheduledDelayMillis: options.otlp.batchDelayMs,
          exportTimeoutMillis: options.otlp.exportTimeoutMs,
        },
      ),
    );
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors,
  });
  provider.register({
    contextManager: new AsyncLocalStorageContextManager(),
    propagator: new W3CTraceContextPropagator(),
  });

  const tracing: Tracing = {
    recorder,
    tracer: (name = options.serviceName) => provider.getTracer(name),
    forceFlush: () => provider.forceFlush(),
    shutdown: async () => {
      try {
        await provider.shutdown();
      } finally {
        trace.disable();
        context.disable();
        propagation.disable();
        active = undefined;
      }
    },
  };
  active = tracing;
  return tracing;
}
