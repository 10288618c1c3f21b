import { z } from 'zod';

import {
  envEnum,
  envInteger,
  envMilliseconds,
  envString,
  type DeepReadonly,
} from '@corebank/platform-config';

import { LOG_LEVELS, type LogLevel } from './logging/logger';
import type { TracingOptions } from './tracing/tracing';

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * The environment this lib needs, for the app's config.ts to load with its own sections:
 * `loadConfigSections({ observability: observabilityConfigSchema, ... }, process.env)`.
 * Defaults are the same in every environment; the OTLP endpoint has none (no export unless set).
 */
export const observabilityConfigSchema = z.object({
  /** error | warn | info | debug (debug is off in production). */
  LOG_LEVEL: envEnum(LOG_LEVELS, { default: 'info' }),
  /** OTLP/HTTP traces endpoint, e.g. http://otel-collector:4318/v1/traces. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: envString()
    .refine(isHttpUrl, 'expected an http(s) URL')
    .optional(),
  OTEL_EXPORT_TIMEOUT_MS: envMilliseconds({ min: 100, max: 60_000, default: 10_000 }),
  OTEL_EXPORT_QUEUE_SIZE_MAX: envInteger({ min: 1, max: 100_000, default: 2_048 }),
  OTEL_EXPORT_BATCH_SIZE_MAX: envInteger({ min: 1, max: 10_000, default: 512 }),
  OTEL_EXPORT_BATCH_DELAY_MS: envMilliseconds({ min: 1, max: 60_000, default: 1_000 }),
  TRACE_RECORDER_TRACE_COUNT_MAX: envInteger({ min: 0, max: 100_000, default: 1_000 }),
  TRACE_RECORDER_SPAN_COUNT_PER_TRACE_MAX: envInteger({ min: 1, max: 10_000, default: 500 }),
});

export type ObservabilityConfig = DeepReadonly<z.output<typeof observabilityConfigSchema>>;

/** Logger and tracing options of one service from its loaded configuration. */
export function observabilityOptions(
  config: ObservabilityConfig,
  serviceName: string,
): { logLevel: LogLevel; tracing: TracingOptions } {
  const endpoint = config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  return {
    logLevel: config.LOG_LEVEL,
    tracing: {
      serviceName,
      recorder:
        config.TRACE_RECORDER_TRACE_COUNT_MAX === 0
          ? false
          : {
              traceCountMax: config.TRACE_RECORDER_TRACE_COUNT_MAX,
              spanCountPerTraceMax: config.TRACE_RECORDER_SPAN_COUNT_PER_TRACE_MAX,
            },
      ...(endpoint === undefined
        ? {}
        : {
            otlp: {
              url: endpoint,
              exportTimeoutMs: config.OTEL_EXPORT_TIMEOUT_MS,
              queueSizeMax: config.OTEL_EXPORT_QUEUE_SIZE_MAX,
              batchSizeMax: config.OTEL_EXPORT_BATCH_SIZE_MAX,
              batchDelayMs: config.OTEL_EXPORT_BATCH_DELAY_MS,
            },
          }),
    },
  };
}
