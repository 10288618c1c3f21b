import 'reflect-metadata';

import { NestFactory } from '@nestjs/core';

import { AppModule, LedgerTransports } from './app.module';

/**
 * Boots the ledger from its environment (see config.ts) and prints one JSON line with the bound
 * gRPC port, which supervisors and the tests read.
 */
async function bootstrap(): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await app.init();
  const port = app.get(LedgerTransports).boundPort;
  process.stdout.write(
    `${JSON.stringify({ message: 'ledger listening', grpcPort: port, pid: process.pid })}\n`,
  );
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(
    `${JSON.stringify({ message: 'ledger failed to start', error: String(error) })}\n`,
  );
  process.exit(1);
});
