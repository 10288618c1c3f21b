import 'reflect-metadata';

import { NestFactory } from '@nestjs/core';

import { NestLogger } from '@corebank/platform-observability';

import { AppModule, CardGatewayOps, CardGatewayTransports } from './app.module';
import { type CardGatewayConfig, loadCardGatewayConfig } from './config';
import type { ProcessHosting } from './ops/ops-http-server';

export interface RunningCardGateway {
  /** The bound HTTP(S) port of the processor's SOAP endpoint. */
  readonly httpPort: number;
  /** The bound operations port (/health/live, /health/ready, /metrics, /traces). */
  readonly opsPort: number;
  /** Stops the listener, drains pending voids, then closes the authorization channel. */
  close(): Promise<void>;
}

/**
 * Starts the card-gateway in this process from a validated config; the all-in-one `bank` app and
 * the tests use it to wire services in one process.
 */
export async function bootstrap(
  config: CardGatewayConfig,
  hosting: ProcessHosting = {},
): Promise<RunningCardGateway> {
  const app = await NestFactory.createApplicationContext(AppModule.withConfig(config, hosting), {
    bufferLogs: true,
  });
  app.useLogger(app.get(NestLogger));
  try {
    await app.init();
  } catch (error) {
    // Close what was created (the gRPC channel), or a failed boot keeps the process alive.
    await app.close();
    throw error;
  }
  const httpPort = app.get(CardGatewayTransports).boundPort;
  const opsPort = app.get(CardGatewayOps).boundPort;
  if (httpPort === undefined || opsPort === undefined) {
    await app.close();
    throw new Error('card-gateway did not bind its ports');
  }
  return { httpPort, opsPort, close: () => app.close() };
}

/**
 * Boots from the environment (see config.ts) and prints one JSON line with the bound port, which
 * supervisors and the tests read.
 */
async function runFromEnvironment(): Promise<void> {
  const running = await bootstrap(loadCardGatewayConfig(), { ownsProcess: true });
  const { httpPort: port, opsPort } = running;
  process.stdout.write(
    `${JSON.stringify({ message: 'card-gateway listening', port, opsPort, pid: process.pid })}\n`,
  );
  const stop = () => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (require.main === module) {
  runFromEnvironment().catch((error: unknown) => {
    process.stderr.write(
      `${JSON.stringify({ message: 'card-gateway failed to start', error: String(error) })}\n`,
    );
    process.exit(1);
  });
}
