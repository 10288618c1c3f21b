import 'reflect-metadata';

import { NestFactory } from '@nestjs/core';

import { AppModule, AuthorizationTransports } from './app.module';
import { type AuthorizationConfig, loadAuthorizationConfig } from './config';

export interface RunningAuthorization {
  /** The bound gRPC port (AuthorizationService and CardService). */
  readonly port: number;
  /** Stops serving, drains the outbox once more, and closes every engine. */
  close(): Promise<void>;
}

/**
 * Starts the authorization service in this process from a validated config; the acceptance
 * suite and the all-in-one `bank` app use it to wire services in one process.
 */
export async function bootstrap(config: AuthorizationConfig): Promise<RunningAuthorization> {
  const app = await NestFactory.createApplicationContext(AppModule.forConfig(config), {
    logger: ['error', 'warn'],
  });
  await app.init();
  const port = app.get(AuthorizationTransports).boundPort;
  if (port === undefined) {
    await app.close();
    throw new Error('authorization gRPC server did not bind');
  }
  return { port, close: () => app.close() };
}

async function runFromEnvironment(): Promise<void> {
  const running = await bootstrap(loadAuthorizationConfig());
  process.stdout.write(
    `${JSON.stringify({ message: 'authorization listening', grpcPort: running.port, pid: process.pid })}\n`,
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
