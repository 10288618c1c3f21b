import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import {
  BANK_SERVICES,
  type BankServiceDefinition,
  sharedEventBusPath,
  type StartedService,
} from './bank-services';
import { createCardsClient } from './cards-client';
import type { BankConfig } from './config';
import { type DemoCustomer, seedDemoCustomer } from './demo-seed';
import { startProcessObservability } from './process-observability';
import { startPublicHttp } from './public-http/start-public-http';

/** Card management calls made while seeding; generous, as first boots create SQLite files. */
const SEED_CALL_TIMEOUT_MS = 10_000;

export interface RunningBank {
  readonly services: readonly StartedService[];
  readonly demo: DemoCustomer;
  /** What each service gives the demo customer (URLs, bearer tokens), merged. */
  readonly demoAccess: Readonly<Record<string, string>>;
  /** authorization's CardService (the CLI's `--cards` target). */
  readonly cardsAddress: string;
  /** The one public port: every customer API and the web page, routed by path. */
  readonly publicUrl: string;
  /** The web page for the demo customer, its bearer token in the fragment. */
  readonly webAppUrl: string;
  /** Stops every service in reverse start order, each draining its own work. */
  close(): Promise<void>;
}

/** Closes in reverse order; one failing close does not keep the others running. */
async function closeInReverse(
  started: readonly StartedService[],
  report: (line: string) => void,
): Promise<void> {
  const failures: unknown[] = [];
  for (const service of [...started].reverse()) {
    try {
      await service.close();
      report(`stopped ${service.name}`);
    } catch (error) {
      failures.push(error);
      report(`stopping ${service.name} failed: ${String(error)}`);
    }
  }
  if (failures.length > 0) {
    throw new AggregateError(failures, 'some services did not stop cleanly');
  }
}

/**
 * Starts every service in dependency order on the embedded engines, waiting for each to serve
 * before the next, then seeds the demo customer. A failed start stops what already runs.
 */
export async function startBank(
  config: BankConfig,
  report: (line: string) => void,
  services: readonly BankServiceDefinition[] = BANK_SERVICES,
): Promise<RunningBank> {
  await mkdir(dirname(sharedEventBusPath(config)), { recursive: true });
  const started: StartedService[] = [];
  const grpcAddresses = new Map<string, string>();
  // Unset: per start, so demo tokens are issued by this process and die with it; none is stored.
  const customerTokenSecret =
    config.BANK_CUSTOMER_TOKEN_SECRET ?? randomBytes(32).toString('base64url');
  const observability = startProcessObservability(config);
  try {
    for (const [index, definition] of services.entries()) {
      await mkdir(join(config.BANK_DATA_DIR, definition.name), { recursive: true });
      const service = await observability.startService(definition.name, () =>
        definition.start({
          config,
          workerId: config.BANK_WORKER_ID_BASE + index,
          customerTokenSecret,
          grpcAddressOf: (name) => {
            const address = grpcAddresses.get(name);
            if (address === undefined) {
              throw new Error(`${definition.name} needs ${name}, which is not started before it`);
            }
            return address;
          },
          traceRecorder: observability.traceRecorder,
        }),
      );
      started.push(service);
      const grpc = service.endpoints['grpc'];
      if (grpc !== undefined) {
        grpcAddresses.set(service.name, grpc);
      }
      report(`started ${service.name}`);
    }
    const cardsAddress = grpcAddresses.get('authorization');
    if (cardsAddress === undefined) {
      throw new Error('the bank runs no authorization service, so it cannot seed the demo');
    }
    const cards = createCardsClient(cardsAddress, SEED_CALL_TIMEOUT_MS);
    let demo: DemoCustomer;
    try {
      demo = await seedDemoCustomer(
        cards,
        {
          currencyCode: config.BANK_DEMO_CURRENCY,
          fundingMinor: BigInt(config.BANK_DEMO_FUNDING_MINOR),
          cardToken: config.BANK_DEMO_CARD_TOKEN,
        },
        new Date(),
      );
    } finally {
      cards.close();
    }
    const demoAccess: Record<string, string> = {};
    for (const service of started) {
      Object.assign(demoAccess, (await service.demoAccess?.(demo)) ?? {});
    }
    const publicHttp = await startPublicHttp(config, started, demoAccess['bearerToken']);
    // Closed first, as a service: its open streams end before the services drain.
    started.push(publicHttp.service);
    report(`started ${publicHttp.service.name}`);
    return {
      services: started,
      demo,
      demoAccess,
      cardsAddress,
      publicUrl: publicHttp.url,
      webAppUrl: publicHttp.webAppUrl,
      close: () => closeInReverse(started, report).finally(() => observability.shutdown()),
    };
  } catch (error) {
    await closeInReverse(started, report).catch(() => undefined);
    await observability.shutdown();
    throw error;
  }
}
