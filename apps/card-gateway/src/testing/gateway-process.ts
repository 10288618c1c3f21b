/**
 * Boots the real card-gateway Nest module in the test process from an environment, the way
 * main.ts does, and gives the bound port. Only for this app's *.int-spec.ts files.
 */
import { NestFactory } from '@nestjs/core';

import { AppModule, CardGatewayTransports } from '../app.module';
import { loadCardGatewayConfig } from '../config';
import { WSDL_PATH } from './get-transaction-envelope';

export interface RunningGateway {
  readonly port: number;
  close(): Promise<void>;
}

export async function startCardGateway(
  env: Readonly<Record<string, string>>,
): Promise<RunningGateway> {
  const config = loadCardGatewayConfig({
    CARD_GATEWAY_HOST: '127.0.0.1',
    CARD_GATEWAY_PORT: '0',
    CARD_GATEWAY_WSDL_PATH: WSDL_PATH,
    CARD_GATEWAY_SHUTDOWN_GRACE_MS: '200',
    ...env,
  });
  const app = await NestFactory.createApplicationContext(AppModule.withConfig(config), {
    logger: false,
  });
  try {
    await app.init();
  } catch (error) {
    // Close what was created (the gRPC channel), or the failed boot keeps the test process alive.
    await app.close();
    throw error;
  }
  const port = app.get(CardGatewayTransports).boundPort;
  if (port === undefined) {
    await app.close();
    throw new Error('card-gateway did not bind a port');
  }
  return { port, close: () => app.close() };
}

/** Closes every gateway, even if one close fails, so no listener or channel outlives a test. */
export async function closeAll(gateways: RunningGateway[]): Promise<void> {
  const closing = gateways.splice(0).map((gateway) => gateway.close());
  const outcomes = await Promise.allSettled(closing);
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure !== undefined) {
    throw failure.reason;
  }
}
