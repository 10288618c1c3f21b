import 'reflect-metadata';

import { NestFactory } from '@nestjs/core';

import { AppModule, CardGatewayTransports } from './app.module';

/**
 * Boots the card-gateway from its environment (see config.ts) and prints one JSON line with the
 * bound port, which supervisors and the tests read.
 */
async function bootstrap(): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule.withConfig(), {
    logger: ['error', 'warn', 'log'],
  });
  app.enableShutdownHooks();
  await app.init();
  const port = app.get(CardGatewayTransports).boundPort;
  process.stdout.write(
    `${JSON.stringify({ message: 'card-gateway listening', port, pid: process.pid })}\n`,
  );
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(
    `${JSON.stringify({ message: 'card-gateway failed to start', error: String(error) })}\n`,
  );
  process.exit(1);
});
