import 'reflect-metadata';

import { NestFactory } from '@nestjs/core';

import { initTracing, observabilityOptions } from '@corebank/platform-observability';

import { AppModule, FeedHttp, type FeedOverrides } from './app.module';
import { type FeedConfig, loadFeedConfig } from './config';

export type { CustomerAccount } from '@corebank/platform-auth';
export type { FeedOverrides } from './app.module';

export interface RunningFeed {
  readonly httpPort: number;
  /** Metrics and health: /metrics, /health/live, /health/ready. */
  readonly opsPort: number;
  /** Closes the HTTP server and streams, drains the consumer, then closes the engines. */
  close(): Promise<void>;
}

/**
 * Starts the feed service in this process from a validated config; the `bank` app and the tests
 * use it to run the service in-process. Bearer tokens are @corebank/platform-auth's (the `auth`
 * section): the bank issues one demo token with `issueToken` that every customer API accepts.
 */
export async function bootstrap(
  config: FeedConfig,
  overrides: FeedOverrides = {},
): Promise<RunningFeed> {
  const app = await NestFactory.createApplicationContext(AppModule.forConfig(config, overrides), {
    logger: ['error', 'warn'],
  });
  await app.init();
  const { port: httpPort, opsPort } = app.get(FeedHttp);
  if (httpPort === undefined || opsPort === undefined) {
    await app.close();
    throw new Error('feed HTTP servers did not start');
  }
  return { httpPort, opsPort, close: () => app.close() };
}

async function runFromEnvironment(): Promise<void> {
  const config = loadFeedConfig();
  // Alone in its process: the feed sets tracing up (one per process), so consumed events'
  // traceparents become the active context and log lines carry their trace ids.
  const tracing = initTracing(observabilityOptions(config.observability, 'feed').tracing);
  const running = await bootstrap(config);
  process.stdout.write(
    `${JSON.stringify({ message: 'feed listening', httpPort: running.httpPort, opsPort: running.opsPort, pid: process.pid })}\n`,
  );
  const stop = (): void => {
    running
      .close()
      .then(() => tracing.shutdown())
      .then(
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
      `${JSON.stringify({ message: 'feed failed to start', error: String(error) })}\n`,
    );
    process.exit(1);
  });
}
