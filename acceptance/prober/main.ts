import { issueToken } from '@corebank/platform-auth';

import type { BankUnderTest } from '../scenarios/bank-under-test';
import { ALL_SCENARIOS } from '../scenarios/scenarios';
import { closeScenarioSession, useTestCustomerKeys } from '../scenarios/test-customers';
import { loadProberConfig } from './config';
import { ProberOpsServer } from './ops-server';
import { ProberMetrics } from './prober-metrics';
import { runProberLoop } from './prober';

/** Tokens the prober signs for its own test accounts; short-lived, one per scenario run. */
const CUSTOMER_TOKEN_TTL_SECONDS = 900;

function log(entry: Readonly<Record<string, unknown>>): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
}

async function run(): Promise<void> {
  const config = loadProberConfig();
  const bank: BankUnderTest = {
    soapUrl: config.PROBER_SOAP_URL,
    cardsGrpcAddress: config.PROBER_CARDS_GRPC_ADDRESS,
    feedUrl: config.PROBER_FEED_URL.replace(/\/$/, ''),
    notificationsUrl: config.PROBER_NOTIFICATIONS_URL.replace(/\/$/, ''),
    customerToken: (accountId) =>
      Promise.resolve(
        issueToken(
          {
            customerId: `prober-${accountId}`,
            accounts: [
              {
                id: accountId,
                description: 'Prober test account',
                created: new Date().toISOString(),
              },
            ],
            issuer: config.PROBER_CUSTOMER_TOKEN_ISSUER,
            nowMs: Date.now(),
            ttlSeconds: CUSTOMER_TOKEN_TTL_SECONDS,
          },
          { algorithm: 'HS256', secret: config.PROBER_CUSTOMER_TOKEN_SECRET },
        ),
      ),
    // A live environment's pushes go to real providers we cannot read: the push step is left out.
  };
  useTestCustomerKeys(bank, config.PROBER_ACCOUNT_KEY_PREFIX);
  const metrics = new ProberMetrics();
  const ops = await ProberOpsServer.start(
    metrics.registry,
    config.PROBER_METRICS_HOST,
    config.PROBER_METRICS_PORT,
  );
  log({
    message: 'prober listening',
    metricsPort: ops.port,
    intervalMs: config.PROBER_INTERVAL_MS,
  });
  const stopping = new AbortController();
  const stopped = new Promise<void>((resolve) =>
    stopping.signal.addEventListener('abort', () => resolve()),
  );
  const stop = (): void => stopping.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const rounds = await runProberLoop({
    bank,
    scenarios: ALL_SCENARIOS,
    metrics,
    intervalMs: config.PROBER_INTERVAL_MS,
    iterationsMax: config.PROBER_ITERATIONS_MAX,
    signal: stopping.signal,
    log,
  });
  closeScenarioSession(bank);
  // Done with a bounded run: keep serving the final metrics until told to stop, so they can be read.
  log({ message: 'prober done', rounds });
  await stopped;
  await ops.close();
  log({ message: 'prober stopped' });
}

run().catch((error: unknown) => {
  log({ message: 'prober failed', error: String(error) });
  process.exit(1);
});
