import 'reflect-metadata';

import { NestFactory } from '@nestjs/core';

import { AppModule, type NotificationsOverrides, RegistrationHttpServer } from './app.module';
import { loadNotificationsConfig, type NotificationsConfig } from './config';

/** The push provider sections, so a host (the bank) reads APNS_* and FCM_* exactly as this app does. */
export { apnsSectionSchema, fcmSectionSchema } from './config';

export interface RunningNotifications {
  /** The registration API's bound port (useful when the config asked for port 0). */
  readonly httpPort: number;
  /** Stops the HTTP listener, drains the consumer (commits what it finished), closes engines. */
  close(): Promise<void>;
}

/**
 * Starts the notifications service in this process from a validated config; the `bank` app and
 * the tests use it to run the service in-process.
 */
export async function bootstrap(
  config: NotificationsConfig,
  overrides: NotificationsOverrides = {},
): Promise<RunningNotifications> {
  const app = await NestFactory.createApplicationContext(AppModule.forConfig(config, overrides), {
    logger: ['error', 'warn'],
  });
  await app.init();
  return { httpPort: app.get(RegistrationHttpServer).port(), close: () => app.close() };
}

async function runFromEnvironment(): Promise<void> {
  const running = await bootstrap(loadNotificationsConfig(), { ownsProcess: true });
  process.stdout.write(
    `${JSON.stringify({ message: 'notifications serving', pid: process.pid, httpPort: running.httpPort })}\n`,
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
      `${JSON.stringify({ message: 'notifications failed to start', error: String(error) })}\n`,
    );
    process.exit(1);
  });
}
