import type { IncomingMessage, ServerResponse } from 'node:http';

import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type LabelValues,
} from 'prom-client';

import { PlatformError } from '@corebank/platform-errors';

import type { Executable } from '../tracing/with-span';

export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

export interface MetricsRegistryOptions {
  /** Added as the `service` label to every metric of the registry. */
  service: string;
  /** Node process metrics (event loop lag, heap, GC); on by default. */
  processMetrics?: boolean;
}

/** A registry per service (not prom-client's global one), so tests and `bank` stay separate. */
export function createMetricsRegistry(options: MetricsRegistryOptions): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  if (options.processMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    // prom-client also exports these sums as gauges named `_total`, which `promtool check
    // metrics` refuses (the suffix is for counters). The per-type gauges of the same name without
    // `_total` stay, so the totals are `sum(nodejs_active_handles)` and so on.
    for (const name of PROMTOOL_REFUSED_PROCESS_METRICS) {
      registry.removeSingleMetric(name);
    }
  }
  return registry;
}

const PROMTOOL_REFUSED_PROCESS_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

/** Latency buckets in ms, dense around the 80 ms budget of the card path. */
export const DURATION_BUCKETS_MS: readonly number[] = Object.freeze([
  1, 2, 5, 10, 20, 40, 60, 80, 100, 150, 250, 500, 1_000, 2_500, 5_000, 10_000,
]);

const METRIC_NAME = /^[a-z][a-z0-9_]*$/;

function invalidName(name: string, reason: string): PlatformError {
  return new PlatformError('invalid.metric_name', `metric name ${name} ${reason}`, {
    retryable: false,
    params: { name },
  });
}

function assertSnakeCase(name: string): void {
  if (!METRIC_NAME.test(name)) {
    throw invalidName(name, 'must be lower snake_case');
  }
}

export interface MetricDefinition<Label extends string> {
  name: string;
  help: string;
  labelNames?: readonly Label[];
}

/**
 * A histogram of durations in milliseconds. The name must end in `_duration_ms` (STYLE §8:
 * names carry their unit), e.g. `ledger_post_duration_ms`.
 *
 * @throws PlatformError `invalid.metric_name`
 */
export function createDurationHistogram<Label extends string = never>(
  registry: Registry,
  definition: MetricDefinition<Label> & { bucketsMs?: readonly number[] },
): Histogram<Label> {
  assertSnakeCase(definition.name);
  if (!definition.name.endsWith('_duration_ms')) {
    throw invalidName(definition.name, 'must end in _duration_ms');
  }
  return new Histogram<Label>({
    name: definition.name,
    help: definition.help,
    labelNames: definition.labelNames ?? [],
    buckets: [...(definition.bucketsMs ?? DURATION_BUCKETS_MS)],
    registers: [registry],
  });
}

/**
 * A histogram of sizes in bytes; the name must end in `_bytes`.
 *
 * @throws PlatformError `invalid.metric_name`
 */
export function createSizeHistogram<Label extends string = never>(
  registry: Registry,
  definition: MetricDefinition<Label> & { buckets: readonly number[] },
): Histogram<Label> {
  assertSnakeCase(definition.name);
  if (!definition.name.endsWith('_bytes')) {
    throw invalidName(definition.name, 'must end in _bytes');
  }
  return new Histogram<Label>({
    name: definition.name,
    help: definition.help,
    labelNames: definition.labelNames ?? [],
    buckets: [...definition.buckets],
    registers: [registry],
  });
}

/**
 * A monotonically increasing counter; the name must end in `_total`.
 *
 * @throws PlatformError `invalid.metric_name`
 */
export function createCounter<Label extends string = never>(
  registry: Registry,
  definition: MetricDefinition<Label>,
): Counter<Label> {
  assertSnakeCase(definition.name);
  if (!definition.name.endsWith('_total')) {
    throw invalidName(definition.name, 'must end in _total');
  }
  return new Counter<Label>({
    name: definition.name,
    help: definition.help,
    labelNames: definition.labelNames ?? [],
    registers: [registry],
  });
}

/**
 * A gauge; `_total` is refused because Prometheus reserves it for counters.
 *
 * @throws PlatformError `invalid.metric_name`
 */
export function createGauge<Label extends string = never>(
  registry: Registry,
  definition: MetricDefinition<Label>,
): Gauge<Label> {
  assertSnakeCase(definition.name);
  if (definition.name.endsWith('_total')) {
    throw invalidName(definition.name, 'must not end in _total (a gauge is not a counter)');
  }
  return new Gauge<Label>({
    name: definition.name,
    help: definition.help,
    labelNames: definition.labelNames ?? [],
    registers: [registry],
  });
}

/**
 * Observes how long `work` takes, in ms, labelled with `labels` plus `outcome` (`ok` or
 * `error`), so failures do not hide inside the latency of successes. The histogram must declare
 * the `outcome` label.
 */
export async function observeDurationMs<Label extends string, Result>(
  histogram: Histogram<Label | 'outcome'>,
  labels: LabelValues<Label>,
  work: () => Promise<Result>,
  nowMs: () => number = () => performance.now(),
): Promise<Result> {
  const startedAtMs = nowMs();
  let outcome: 'ok' | 'error' = 'error';
  try {
    const result = await work();
    outcome = 'ok';
    return result;
  } finally {
    // TypeScript cannot merge a generic Partial<Record<Label>> with { outcome } into
    // Partial<Record<Label | 'outcome'>>, though it is exactly that.
    const outcomeLabels = { ...labels, outcome } as LabelValues<Label | 'outcome'>;
    histogram.observe(outcomeLabels, nowMs() - startedAtMs);
  }
}

/** Wraps a use case so each `execute` is observed in `histogram` (decorator, STYLE §3). */
export function withDurationMetric<Command, Result, Label extends string>(
  histogram: Histogram<Label | 'outcome'>,
  labels: LabelValues<Label>,
  useCase: Executable<Command, Result>,
): Executable<Command, Result> {
  return {
    execute: (command) => observeDurationMs(histogram, labels, () => useCase.execute(command)),
  };
}

/**
 * A node:http handler serving the registry in the Prometheus text format on GET/HEAD; other
 * methods get 405. Mount it on `/metrics`.
 */
export function metricsHandler(
  registry: Registry,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    registry.metrics().then(
      (text) => {
        response.writeHead(200, { 'content-type': registry.contentType });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      () => {
        response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  };
}
