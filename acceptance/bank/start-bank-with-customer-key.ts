import 'reflect-metadata';

import { type RunningBank, startBank } from '../../apps/bank/src/bank';
import { BANK_SERVICES, type BankServiceDefinition } from '../../apps/bank/src/bank-services';
import { loadBankConfig } from '../../apps/bank/src/config';
import { loadAcceptanceBankConfig } from './config';

/**
 * The one-process bank exactly as `npm start` runs it (same services, same BANK_* settings), except
 * that its customer APIs verify bearer tokens with ACCEPTANCE_BANK_CUSTOMER_TOKEN_SECRET instead of
 * a random per-start key, so scenarios and the prober can sign tokens for their test accounts.
 * Prints one JSON line `{"message":"acceptance bank ready",...}` with every endpoint.
 */
const READY_MESSAGE = 'acceptance bank ready';

function writeLine(line: string): void {
  process.stdout.write(`${line}\n`);
}

function withCustomerTokenSecret(secret: string): readonly BankServiceDefinition[] {
  return BANK_SERVICES.map((definition) => ({
    ...definition,
    start: (context) => definition.start({ ...context, customerTokenSecret: secret }),
  }));
}

function endpoint(bank: RunningBank, service: string, key: string): string {
  const value = bank.services.find((candidate) => candidate.name === service)?.endpoints[key];
  if (value === undefined) {
    throw new Error(`the bank has no ${service} ${key} endpoint`);
  }
  return value;
}

async function run(): Promise<void> {
  const config = loadBankConfig();
  const { ACCEPTANCE_BANK_CUSTOMER_TOKEN_SECRET: secret } = loadAcceptanceBankConfig();
  const bank = await startBank(
    config,
    (line) => writeLine(`bank: ${line}`),
    withCustomerTokenSecret(secret),
  );
  // Push providers are on when the bank's config has one (APNS_* pass-through).
  const apns = (config as unknown as Readonly<Record<string, unknown>>)['apns'];
  writeLine(
    JSON.stringify({
      message: READY_MESSAGE,
      pid: process.pid,
      soapUrl: endpoint(bank, 'card-gateway', 'soap'),
      cardsGrpcAddress: bank.cardsAddress,
      feedUrl: endpoint(bank, 'feed', 'api'),
      notificationsUrl: endpoint(bank, 'notifications', 'api'),
      apnsDelivery: apns !== undefined && apns !== null,
      services: bank.services.map((service) => ({
        name: service.name,
        endpoints: service.endpoints,
      })),
    }),
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) {
      return;
    }
    stopping = true;
    bank.close().then(
      () => {
        writeLine('bank: stopped');
        process.exit(0);
      },
      (error: unknown) => {
        writeLine(`bank: stopped with errors: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

run().catch((error: unknown) => {
  process.stderr.write(
    `${JSON.stringify({ message: 'bank failed to start', error: String(error) })}\n`,
  );
  process.exit(1);
});
