import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Registry } from 'prom-client';

/** /metrics (Prometheus text), /health/live and /health/ready, as every corebank service serves them. */
export class ProberOpsServer {
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(registry: Registry, host: string, port: number): Promise<ProberOpsServer> {
    const server = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://prober').pathname;
      if (request.method !== 'GET') {
        response.writeHead(405, { allow: 'GET' }).end();
        return;
      }
      if (path === '/health/live' || path === '/health/ready') {
        // The prober depends on nothing it could wait for: an environment outage is what it reports.
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
        return;
      }
      if (path === '/metrics') {
        registry.metrics().then(
          (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
          () => response.writeHead(500).end(),
        );
        return;
      }
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return new ProberOpsServer(server, (server.address() as AddressInfo).port);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
