import type { Registry } from 'prom-client';

import { isPlatformError } from '@corebank/platform-errors';
import type { RpcClientCallEvent, RpcServerCallEvent } from '@corebank/platform-rpc';

import type { Logger } from '../logging/logger';
import { createCounter, createDurationHistogram } from '../metrics/metrics';

/**
 * Metrics and logs for gRPC calls, plugged into the rpc lib's `onCallCompleted` hooks so neither
 * handlers nor use cases touch a vendor SDK (STYLE §8). Labels stay bounded: the method path and
 * an outcome that is `ok` or the error category (never the free-form code or message).
 */

/** `ok`, `abandoned` (caller gone before the answer) or the PlatformError category. */
function outcomeOf(error: unknown): string {
  if (error === undefined) {
    return 'ok';
  }
  return isPlatformError(error) ? error.category : 'internal';
}

/** Expected answers of a healthy system are not worth more than a debug line. */
const QUIET_CATEGORIES = new Set([
  'invalid',
  'not_found',
  'conflict',
  'permission',
  'unauthenticated',
]);

function logFailure(
  logger: Logger,
  side: 'server' | 'client',
  method: string,
  error: unknown,
): void {
  const category = outcomeOf(error);
  const fields = { method, err: error };
  if (category === 'internal') {
    // An unexpected exception or a broken dependency contract: someone must look at it.
    logger.error(fields, `rpc ${side} call failed unexpectedly`);
  } else if (QUIET_CATEGORIES.has(category)) {
    logger.debug(fields, `rpc ${side} call answered with an error`);
  } else {
    logger.warn(fields, `rpc ${side} call degraded`);
  }
}

/**
 * `RpcServerOptions.onCallCompleted` recording `rpc_server_call_duration_ms{method,outcome}`
 * and logging failures (error for internal, warn for timeout/unavailable/exhausted).
 */
export function observeRpcServerCalls(
  registry: Registry,
  logger: Logger,
): (event: RpcServerCallEvent) => void {
  const duration = createDurationHistogram(registry, {
    name: 'rpc_server_call_duration_ms',
    help: 'Time from receiving a gRPC call to sending its status.',
    labelNames: ['method', 'outcome'],
  });
  return (event) => {
    const outcome =
      event.abandoned && event.error === undefined ? 'abandoned' : outcomeOf(event.error);
    duration.observe({ method: event.method, outcome }, event.durationMs);
    if (event.error !== undefined) {
      logFailure(logger, 'server', event.method, event.error);
    } else {
      // Off at the default level; at debug, every call's line carries its trace id.
      logger.debug(
        { method: event.method, durationMs: event.durationMs },
        'rpc server call answered',
      );
    }
  };
}

/**
 * `RpcClientOptions.onCallCompleted` recording `rpc_client_call_duration_ms{method,outcome}` and
 * `rpc_client_requests_total{method}` (sends including retries and hedges, so their cost shows).
 */
export function observeRpcClientCalls(
  registry: Registry,
  logger: Logger,
): (event: RpcClientCallEvent) => void {
  const duration = createDurationHistogram(registry, {
    name: 'rpc_client_call_duration_ms',
    help: 'Time of one logical gRPC call, retries and hedges included.',
    labelNames: ['method', 'outcome'],
  });
  const requests = createCounter(registry, {
    name: 'rpc_client_requests_total',
    help: 'gRPC requests sent, retries and hedges included.',
    labelNames: ['method'],
  });
  return (event) => {
    duration.observe({ method: event.method, outcome: outcomeOf(event.error) }, event.durationMs);
    requests.inc({ method: event.method }, event.requestCount);
    if (event.error !== undefined) {
      logFailure(logger, 'client', event.method, event.error);
    }
  };
}
