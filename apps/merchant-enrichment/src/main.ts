import 'reflect-metadata';

import { NestFactory } from '@nestjs/core';

import { AppModule, type MerchantEnrichmentOverrides } from './app.module';
import { loadMerchantEnrichmentConfig, type MerchantEnrichmentConfig } from './config';

export interface RunningMerchantEnrichment {
  /** Drains the consumer (commits what it finished), then closes the store and ids. */
  close(): Promise<void>;
}

/**
 * Starts merchant enrichment in this process from a validated config; the `bank` app and the
 * tests use it to run the service in-process.
 */
export async function bootstrap(
  config: MerchantEnrichmentConfig,
  overrides: MerchantEnrichmentOverrides = {},
): Promise<RunningMerchantEnrichment> {
  const app = await NestFactory.createApplicationContext(AppModule.forConfig(config, overrides), {
    logger: ['error', 'warn'],
  });
  await app.init();
  return { close: () => app.close() };
}

async function runFromEnvironment(): Promise<void> {
  const running = await bootstrap(loadMerchantEnrichmentConfig(), { ownsProcess: true });
  process.stdout.write(
    `${JSON.stringify({ message: 'merchant-enrichment consuming', pid: process.pid })}\n`,
  );
  const stop = (): void => {
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
      `${JSON.stringify({ message: 'merchant-enrichment failed to start', error: String(error) })}\n`,
    );
    process.exit(1);
  });
}
