import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect } from 'node:net';

import { isPlatformError, PlatformError } from '@corebank/platform-errors';

export const HEALTH_REGISTRY = Symbol('HEALTH_REGISTRY');

/**
 * Liveness says the process can make progress (restart it if not); readiness says it can serve
 * now (take it out of the load balancer if not). Dependencies belong to readiness only: a broker
 * outage must not make Kubernetes restart every pod.
 */
export type HealthProbe = 'liveness' | 'readiness';

export interface HealthCheck {
  /** Unique, e.g. `store`, `bus`, `etcd`. */
  name: string;
  probe: HealthProbe;
  /** The check counts as failed when it has not finished in this time. */
  timeoutMs: number;
  /**
   * Touches the dependency for real (a query, a metadata request, a lease read). Resolves when
   * healthy; may resolve details (scalars only) to show. `signal` aborts at the timeout.
   */
  run(signal: AbortSignal): Promise<void | Readonly<Record<string, string | number | boolean>>>;
}

export interface CheckResult {
  status: 'up' | 'down';
  durationMs: number;
  details?: Readonly<Record<string, string | number | boolean>>;
  /** Only a PlatformError's code and message are shown; other errors only by type. */
  error?: { code: string; message: string };
}

export interface HealthReport {
  probe: HealthProbe;
  status: 'up' | 'down';
  checks: Record<string, CheckResult>;
}

export interface HealthHttpPaths {
  liveness: string;
  readiness: string;
}

export const DEFAULT_HEALTH_PATHS: Readonly<HealthHttpPaths> = Object.freeze({
  liveness: '/health/live',
  readiness: '/health/ready',
});

/**
 * Named health checks of one service and the HTTP handler that reports them. Checks of a probe
 * run in parallel, each bounded by its own timeout.
 */
export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();
  private shuttingDown = false;
  private readonly inFlight = new Map<HealthProbe, Promise<HealthReport>>();

  constructor(private readonly nowMs: () => number = () => performance.now()) {}

  /** @throws PlatformError `invalid.health_check` on a duplicate name or a non-positive timeout. */
  register(check: HealthCheck): void {
    if (this.checks.has(check.name)) {
      throw new PlatformError('invalid.health_check', 'a health check with this name exists', {
        retryable: false,
        params: { name: check.name },
      });
    }
    if (!(check.timeoutMs > 0)) {
      throw new PlatformError('invalid.health_check', 'timeoutMs must be positive', {
        retryable: false,
        params: { name: check.name },
      });
    }
    this.checks.set(check.name, check);
  }

  /** From now on readiness reports down (draining before shutdown); liveness is unaffected. */
  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  /**
   * Runs the checks of `probe`. Calls that arrive while a run of the same probe is in flight
   * share its result, so a burst of probes never multiplies the load on dependencies.
   */
  check(probe: HealthProbe): Promise<HealthReport> {
    if (probe === 'readiness' && this.shuttingDown) {
      return Promise.resolve({
        probe,
        status: 'down',
        checks: {
          shutdown: {
            status: 'down',
            durationMs: 0,
            error: { code: 'unavailable.shutting_down', message: 'the service is shutting down' },
          },
        },
      });
    }
    const running = this.inFlight.get(probe);
    if (running !== undefined) {
      return running;
    }
    const run = this.runAll(probe).finally(() => this.inFlight.delete(probe));
    this.inFlight.set(probe, run);
    return run;
  }

  /**
   * A node:http handler: GET `paths.liveness` / `paths.readiness` answer 200 (up) or 503 (down)
   * with the report as JSON; other paths 404, other methods 405.
   */
  httpHandler(
    paths: HealthHttpPaths = DEFAULT_HEALTH_PATHS,
  ): (request: IncomingMessage, response: ServerResponse) => void {
    return (request, response) => {
      const path = (request.url ?? '').split('?')[0];
      const probe: HealthProbe | undefined =
        path === paths.liveness ? 'liveness' : path === paths.readiness ? 'readiness' : undefined;
      if (probe === undefined) {
        response.writeHead(404, { 'content-type': 'application/json' }).end('{"status":"unknown"}');
        return;
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      void this.check(probe).then((report) => {
        response.writeHead(report.status === 'up' ? 200 : 503, {
          'content-type': 'application/json',
          'cache-control': 'no-store',
        });
        response.end(request.method === 'HEAD' ? undefined : JSON.stringify(report));
      });
    };
  }

  private async runAll(probe: HealthProbe): Promise<HealthReport> {
    const selected = [...this.checks.values()].filter((check) => check.probe === probe);
    const results = await Promise.all(selected.map((check) => this.runOne(check)));
    const checks: Record<string, CheckResult> = {};
    selected.forEach((check, index) => {
      checks[check.name] = results[index]!;
    });
    const status = results.every((result) => result.status === 'up') ? 'up' : 'down';
    return { probe, status, checks };
  }

  private async runOne(check: HealthCheck): Promise<CheckResult> {
    const startedAtMs = this.nowMs();
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        const error = new PlatformError(
          'timeout.health_check',
          'the check did not finish in time',
          {
            retryable: true,
            params: { timeoutMs: check.timeoutMs },
          },
        );
        // Reject before aborting: a check that resolves on abort must not win the race.
        reject(error);
        controller.abort(error);
      }, check.timeoutMs);
    });
    try {
      const details = await Promise.race([check.run(controller.signal), timedOut]);
      const durationMs = this.nowMs() - startedAtMs;
      return details === undefined
        ? { status: 'up', durationMs }
        : { status: 'up', durationMs, details };
    } catch (error) {
      return { status: 'down', durationMs: this.nowMs() - startedAtMs, error: describe(error) };
    } finally {
      clearTimeout(timer);
    }
  }
}

function describe(error: unknown): { code: string; message: string } {
  if (isPlatformError(error)) {
    return { code: error.code, message: error.message };
  }
  // Driver errors can quote connection strings or credentials: show only their type.
  const type = error instanceof Error ? error.name : typeof error;
  return { code: 'unavailable.check_failed', message: `check failed (${type})` };
}

/**
 * A readiness check that opens (and closes) a TCP connection to `host:port`: the least a check
 * of a broker, database or etcd endpoint must prove. Prefer a protocol-level request when the
 * client offers one.
 */
export function tcpConnectCheck(
  name: string,
  host: string,
  port: number,
  timeoutMs: number,
): HealthCheck {
  return {
    name,
    probe: 'readiness',
    timeoutMs,
    run: (signal) =>
      new Promise<void>((resolve, reject) => {
        const socket = connect({ host, port });
        const onAbort = (): void => {
          socket.destroy();
          reject(signal.reason as Error);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        socket.once('connect', () => {
          signal.removeEventListener('abort', onAbort);
          socket.end();
          resolve();
        });
        socket.once('error', (error: NodeJS.ErrnoException) => {
          signal.removeEventListener('abort', onAbort);
          socket.destroy();
          reject(
            new PlatformError('unavailable.tcp_connect', 'could not connect', {
              retryable: true,
              params: { host, port, errno: error.code ?? 'unknown' },
            }),
          );
        });
      }),
  };
}
