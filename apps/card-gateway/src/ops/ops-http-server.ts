import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  type InMemorySpanRecorder,
  type ObservabilityModuleOptions,
  opsHttpHandler,
  type OpsHttpOptions,
} from '@corebank/platform-observability';

/** How the process hosting this service shares its per-process observability. */
export interface ProcessHosting {
  /**
   * This service is alone in its process: it sets tracing up from its config and reports Node
   * process metrics. Both are one per process, so the all-in-one bank does them once itself
   * (and passes `traceRecorder`).
   */
  readonly ownsProcess?: boolean;
  /**
   * Node process metrics (heap, event loop, GC) on /metrics; defaults to `ownsProcess`. Off in
   * the promtool test: prom-client's nodejs_active_*_total gauges fail its counter-name lint.
   */
  readonly processMetrics?: boolean;
  /** Spans of the host's tracing, served on /traces when this service does not own tracing. */
  readonly traceRecorder?: InMemorySpanRecorder;
  /** Where log lines go; standard output when omitted (tests capture them). */
  readonly logDestination?: ObservabilityModuleOptions['logDestination'];
}

/** The operations port's node:http server: health, metrics and trace timelines. */
export class OpsHttpServer {
  private readonly server: Server;

  constructor(sources: OpsHttpOptions) {
    this.server = createServer(opsHttpHandler(sources));
  }

  /** @returns the bound port (a free one when `port` is 0). */
  async listen(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  /** Probes and scrapes are short: open connections are cut rather than waited for. */
  async close(): Promise<void> {
    if (!this.server.listening) {
      return;
    }
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}
