import 'reflect-metadata';

import { NestFactory } from '@nestjs/core';

import { NestLogger } from '@corebank/platform-observability';

import { AppModule, LedgerOps, LedgerTransports } from './app.module';
import { type LedgerConfig, loadLedgerConfig } from './config';
import type { ProcessHosting } from './ops/ops-http-server';

export interface RunningLedger {
  /** The bound gRPC port (LedgerService). */
  readonly grpcPort: number;
  /** The bound operations port (/health/live, /health/ready, /metrics, /traces). */
  readonly opsPort: number;
  /** Stops serving and the sweeper, closes the committer, then the store. */
  close(): Promise<void>;
}

/**
 * Starts the ledger in this process from a validated config; the all-in-one `bank` app and the
 * tests use it to wire services in one process.
 */
export async function bootstrap(
  config: LedgerConfig,
  hosting: ProcessHosting = {},
): Promise<RunningLedger> {
  const app = await NestFactory.createApplicationContext(AppModule.forConfig(config, hosting), {
    bufferLogs: true,
  });
  app.useLogger(app.get(NestLogger));
  try {
    await app.init();
  } catch (error) {
    await app.close();
    throw error;
  }
  const grpcPort = app.get(LedgerTransports).boundPort;
  const opsPort = app.get(LedgerOps).boundPort;
  if (grpcPort === undefined || opsPort === undefined) {
    await app.close();
    throw new Error('ledger gRPC or ops server did not bind');
  }
  return { grpcPort, opsPort, close: () => app.close() };
}

/**
 * Boots from the environment (see config.ts) and prints one JSON line with the bound gRPC port,
 * which supervisors and the tests read.
 */
async function runFromEnvironment(): Promise<void> {
  const running = await bootstrap(loadLedgerConfig(), { ownsProcess: true });
  const { grpcPort, opsPort } = running;
  process.stdout.write(
    `${JSON.stringify({ message: 'ledger listening', grpcPort, opsPort, pid: process.pid })}\n`,
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
      `${JSON.stringify({ message: 'ledger failed to start', error: String(error) })}\n`,
    );
    process.exit(1);
  });
}
