import 'reflect-metadata';

import { type RunningBank, startBank } from './bank';
import { type BankConfig, loadBankConfig } from './config';

function writeLine(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** The start-up banner: where everything is, for a person; the JSON line after it is for tools. */
function printWhereEverythingIs(bank: RunningBank, config: BankConfig): void {
  const endpoint = (service: string, key: string): string =>
    bank.services.find((candidate) => candidate.name === service)?.endpoints[key] ??
    '(not running)';
  writeLine('');
  writeLine(
    'corebank is running (every service in one process, data under ' + config.BANK_DATA_DIR + ')',
  );
  for (const service of bank.services) {
    const endpoints = Object.entries(service.endpoints)
      .map(([key, value]) => `${key} ${value}`)
      .join(', ');
    writeLine(`  ${service.name.padEnd(20)} ${endpoints}`);
  }
  writeLine(`  SOAP endpoint        ${endpoint('card-gateway', 'soap')}`);
  writeLine(`  WSDL                 ${endpoint('card-gateway', 'wsdl')}`);
  writeLine(`  public API           ${bank.publicUrl} (feed, /cards, /devices, /webhooks)`);
  writeLine(`  web page             ${bank.webAppUrl}`);
  writeLine(
    `  demo customer        account ${bank.demo.accountId}, card token ${bank.demo.cardToken}` +
      (bank.demo.seededNow ? ' (seeded now)' : ' (from earlier start)'),
  );
  for (const [key, value] of Object.entries(bank.demoAccess)) {
    writeLine(`  demo ${key.padEnd(15)} ${value}`);
  }
  writeLine(`  try                  npx corebank pay ${bank.demo.cardToken} 12.50`);
  writeLine('Ctrl-C stops it.');
  writeLine(
    JSON.stringify({
      message: 'bank ready',
      pid: process.pid,
      services: bank.services.map((service) => service.name),
      cardsAddress: bank.cardsAddress,
      soapUrl: endpoint('card-gateway', 'soap'),
      wsdlUrl: endpoint('card-gateway', 'wsdl'),
      publicUrl: bank.publicUrl,
      webAppUrl: bank.webAppUrl,
      feedUrl: endpoint('feed', 'api'),
      notificationsUrl: endpoint('notifications', 'api'),
      busEngine: config.bus.engine,
      // Every service's /health, /metrics and /traces, by service name.
      opsUrls: Object.fromEntries(
        bank.services.flatMap((service) =>
          service.endpoints['ops'] === undefined ? [] : [[service.name, service.endpoints['ops']]],
        ),
      ),
      // Everything each service listens on, by service name then kind (grpc, soap, api, ops...).
      endpoints: Object.fromEntries(
        bank.services.map((service) => [service.name, service.endpoints]),
      ),
      demoAccountId: bank.demo.accountId,
      demoCardToken: bank.demo.cardToken,
      demoSeededNow: bank.demo.seededNow,
      demoAccess: bank.demoAccess,
    }),
  );
}

async function run(): Promise<void> {
  const config = loadBankConfig();
  const startedAt = performance.now();
  const bank = await startBank(config, (line) => writeLine(`bank: ${line}`));
  writeLine(`bank: ready in ${Math.round(performance.now() - startedAt)} ms`);
  printWhereEverythingIs(bank, config);
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      writeLine(`bank: ${signal} again, exiting without waiting for the drain`);
      process.exit(1);
    }
    stopping = true;
    writeLine(`bank: ${signal}, stopping services in reverse order`);
    // Each service bounds its own drain; this bounds the whole in case one hangs anyway.
    const overall = setTimeout(
      () => {
        writeLine('bank: shutdown took too long, exiting');
        process.exit(1);
      },
      config.BANK_SHUTDOWN_GRACE_MS * (bank.services.length + 1),
    );
    overall.unref();
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
