import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Registry } from 'prom-client';

import { type HealthRegistry, opsHttpHandler } from '@corebank/platform-observability';

/**
 * Metrics and liveness/readiness on their own port, so the ops endpoints are never exposed
 * through the public API's ingress and need no customer token.
 */
export class OpsHttpServer {
  private readonly server: Server;

  constructor(
    private readonly host: string,
    private readonly port: number,
    metrics: Registry,
    private readonly health: HealthRegistry,
  ) {
    this.server = createServer(opsHttpHandler({ metrics, health }));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, this.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.health.markShuttingDown();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
