import 'reflect-metadata';

import { NestFactory } from '@nestjs/core';

import { AppModule, CardGatewayTransports } from './app.module';
import { type CardGatewayConfig, loadCardGatewayConfig } from './config';

export interface RunningCardGateway {
  /** The bound HTTP(S) port of the processor's SOAP endpoint. */
  readonly httpPort: number;
  /** Stops the listener, drains pending voids, then closes the authorization channel. */
  close(): Promise<void>;
}

/**
 * Starts the card-gateway in this process from a validated config; the all-in-one `bank` app and
 * the tests use it to wire services in one process.
 */
export async function bootstrap(config: CardGatewayConfig): Promise<RunningCardGateway> {
  const app = await NestFactory.createApplicationContext(AppModule.withConfig(config), {
    logger: ['error', 'warn', 'log'],
  });
  try {
    await app.init();
  } catch (error) {
    // Close what was created (the gRPC channel), or a failed boot keeps the process alive.
    await app.close();
    throw error;
  }
  const httpPort = app.get(CardGatewayTransports).boundPort;
  if (httpPort === undefined) {
    await app.close();
    throw new Error('card-gateway did not bind a port');
  }
  return { httpPort, close: () => app.close() };
}

/**
 * Boots from the environment (see config.ts) and prints one JSON line with the bound port, which
 * supervisors and the tests read.
 */
async function runFromEnvironment(): Promise<void> {
  const running = await bootstrap(loadCardGatewayConfig());
  process.stdout.write(
    `${JSON.stringify({ message: 'card-gateway listening', port: running.httpPort, pid: process.pid })}\n`,
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
