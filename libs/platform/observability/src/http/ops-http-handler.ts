import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Registry } from 'prom-client';

import { DEFAULT_HEALTH_PATHS, type HealthRegistry } from '../health/health';
import { metricsHandler } from '../metrics/metrics';
import type { InMemorySpanRecorder } from '../tracing/span-recorder';
import { traceTimelineHandler } from '../tracing/trace-timeline-handler';

export interface OpsHttpOptions {
  metrics?: Registry;
  health?: HealthRegistry;
  /** Timelines of recorded traces; leave out on ports reachable from outside the cluster. */
  traces?: InMemorySpanRecorder;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * One node:http handler for a service's operations port: `/metrics`, `/health/live`,
 * `/health/ready` and `/traces[/<id>]`, each only when its source is given; anything else is 404.
 */
export function opsHttpHandler(options: OpsHttpOptions): Handler {
  const metrics = options.metrics === undefined ? undefined : metricsHandler(options.metrics);
  const health = options.health?.httpHandler(DEFAULT_HEALTH_PATHS);
  const traces = options.traces === undefined ? undefined : traceTimelineHandler(options.traces);
  return (request, response) => {
    const path = (request.url ?? '').split('?')[0] ?? '';
    const handler: Handler | undefined =
      path === '/metrics'
        ? metrics
        : path === DEFAULT_HEALTH_PATHS.liveness || path === DEFAULT_HEALTH_PATHS.readiness
          ? health
          : path === '/traces' || path.startsWith('/traces/')
            ? traces
            : undefined;
    if (handler === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    handler(request, response);
  };
}
