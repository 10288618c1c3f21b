import { TRANSACTION_TOPICS } from '@corebank/domain-transaction-events';
import { createEventBus, type EventEnvelope } from '@corebank/platform-event-bus';

import { ALL_SCENARIOS } from '../scenarios/scenarios';
import { PASS_THROUGH_REPORTER } from '../scenarios/bank-under-test';
import { closeScenarioSession, openTestCustomerForPurpose } from '../scenarios/test-customers';
import { type BankProcess, startBankProcess } from './bank-process';

/**
 * Every acceptance scenario against the one-process bank (the bank of `npm start`) in a child
 * process, with its notifications delivering pushes to a local APNs test server.
 */
describe('acceptance scenarios against the one-process bank', () => {
  let bankProcess: BankProcess | undefined;

  const running = (): BankProcess => {
    if (bankProcess === undefined) {
      throw new Error('bank not started');
    }
    return bankProcess;
  };

  beforeAll(async () => {
    bankProcess = await startBankProcess({ withApnsTestServer: true });
    if (bankProcess.bank.pushes === undefined) {
      // The bank ignores APNS_* until its push pass-through lands: the push step is left out.
      process.stdout.write(
        'acceptance/bank: this bank delivers no pushes (no APNS_* pass-through); the push step is not checked\n',
      );
    }
  }, 120_000);

  afterAll(async () => {
    if (bankProcess !== undefined) {
      closeScenarioSession(bankProcess.bank);
      await bankProcess.stop();
    }
  }, 40_000);

  it.each(ALL_SCENARIOS.map((scenario) => [scenario.name, scenario] as const))(
    '%s',
    async (_name, scenario) => {
      await scenario.run(running().bank, PASS_THROUGH_REPORTER);
    },
    60_000,
  );

  it('runs every scenario a second time on the same customers (the prober reuses them)', async () => {
    for (const scenario of ALL_SCENARIOS) {
      await scenario.run(running().bank, PASS_THROUGH_REPORTER);
    }
  }, 120_000);

  it("marks every event of a test account's payments with testAccount: true", async () => {
    const { bank, embeddedBusPath } = running();
    // Idempotent: the same customer the payment scenario used (two payments, each reversed).
    const customer = await openTestCustomerForPurpose(bank, PASS_THROUGH_REPORTER, 'pay');
    const bus = createEventBus({ engine: 'embedded', path: embeddedBusPath, pollIntervalMs: 20 });
    const events: EventEnvelope[] = [];
    const subscription = await bus.subscribe({
      topic: TRANSACTION_TOPICS.authorization,
      groupId: `acceptance-bank-${process.pid}`,
      handler: (event) => {
        events.push(event);
        return Promise.resolve();
      },
    });
    try {
      const ofCustomer = (): EventEnvelope[] =>
        events.filter((event) => event.key === customer.accountId);
      const deadline = Date.now() + 20_000;
      while (ofCustomer().length < 4 && Date.now() < deadline) {
        await new Promise((resolvePromise) => setTimeout(resolvePromise, 100));
      }
      expect(ofCustomer().length).toBeGreaterThanOrEqual(4);
      for (const event of ofCustomer()) {
        expect(event.data).toMatchObject({ accountId: customer.accountId, testAccount: true });
      }
    } finally {
      await subscription.stop();
      await bus.close();
    }
  }, 60_000);
});
