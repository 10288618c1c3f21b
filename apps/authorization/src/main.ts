import 'reflect-metadata';

import { NestFactory } from '@nestjs/core';

import { NestLogger } from '@corebank/platform-observability';

import {
  AppModule,
  AuthorizationCustomerHttp,
  AuthorizationOps,
  AuthorizationTransports,
} from './app.module';
import { type AuthorizationConfig, loadAuthorizationConfig } from './config';
import type { ProcessHosting } from './ops/ops-http-server';

export interface RunningAuthorization {
  /** The bound gRPC port (AuthorizationService and CardService). */
  readonly port: number;
  /** The bound operations port (/health/live, /health/ready, /metrics, /traces). */
  readonly opsPort: number;
  /** The bound customer /cards port; undefined when AUTHORIZATION_HTTP_PORT is unset. */
  readonly httpPort: number | undefined;
  /** Stops serving, drains the outbox once more, and closes every engine. */
  close(): Promise<void>;
}

/**
 * Starts the authorization service in this process from a validated config; the acceptance
 * suite and the all-in-one `bank` app use it to wire services in one process.
 */
export async function bootstrap(
  config: AuthorizationConfig,
  hosting: ProcessHosting = {},
): Promise<RunningAuthorization> {
  const app = await NestFactory.createApplicationContext(AppModule.forConfig(config, hosting), {
    bufferLogs: true,
  });
  app.useLogger(app.get(NestLogger));
  try {
    await app.init();
  } catch (error) {
    // Close what was created (engines, channels), or a failed boot keeps the process alive.
    await app.close();
    throw error;
  }
  const port = app.get(AuthorizationTransports).boundPort;
  const opsPort = app.get(AuthorizationOps).boundPort;
  if (port === undefined || opsPort === undefined) {
    await app.close();
    throw new Error('authorization gRPC or ops server did not bind');
  }
  const httpPort = app.get(AuthorizationCustomerHttp).boundPort;
  return { port, opsPort, httpPort, close: () => app.close() };
}

async function runFromEnvironment(): Promise<void> {
  const running = await bootstrap(loadAuthorizationConfig(), { ownsProcess: true });
  const { port: grpcPort, opsPort, httpPort } = running;
  process.stdout.write(
    `${JSON.stringify({ message: 'authorization listening', grpcPort, opsPort, httpPort, pid: process.pid })}\n`,
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
      `${JSON.stringify({ message: 'authorization failed to start', error: String(error) })}\n`,
    );
    process.exit(1);
  });
}
