import { PASS_THROUGH_REPORTER } from '../scenarios/bank-under-test';
import { ALL_SCENARIOS } from '../scenarios/scenarios';
import { closeScenarioSession } from '../scenarios/test-customers';
import { DistributedBank } from '../support/distributed-bank';
import { DistributedPayments } from '../support/distributed-payments';

/**
 * Every acceptance scenario against distributed mode (issue 6): the six apps as separate
 * processes on the Kafka mock and a real etcd, pushes to a local APNs test server. Then
 * authorization is killed with SIGKILL and restarted, and every scenario passes again.
 */
jest.setTimeout(60_000);

const START_MS = 100_000;
const APPROVAL_AFTER_RESTART_MS = 30_000;
const NOTHING_LOST_WITHIN_MS = 30_000;

let bank: DistributedBank;
let payments: DistributedPayments;

beforeAll(async () => {
  const startedAt = Date.now();
  bank = await DistributedBank.start();
  process.stdout.write(`${bank.describeEngines()}; started in ${Date.now() - startedAt} ms\n`);
  payments = await DistributedPayments.connect(bank);
}, START_MS);

afterAll(async () => {
  if (bank !== undefined) {
    closeScenarioSession(bank);
  }
  await payments?.close();
  await bank?.stop();
  expect(bank?.runningPids() ?? []).toEqual([]);
}, 60_000);

it('leases a snowflake worker id in etcd for each app that takes ids from etcd', async () => {
  // authorization, merchant-enrichment, feed and notifications (the ledger's is LEDGER_WORKER_ID).
  expect(await bank.leasedWorkerKeys()).toHaveLength(4);
});

it.each(ALL_SCENARIOS.map((scenario) => [scenario.name, scenario] as const))(
  '%s',
  async (_name, scenario) => {
    await scenario.run(bank, PASS_THROUGH_REPORTER);
  },
);

it('passes every scenario again after kill -9 and restart of authorization', async () => {
  const probeCard = await payments.openCard(100_000n);
  const before = await payments.payUntilApproved(probeCard, 500n, APPROVAL_AFTER_RESTART_MS);
  await bank.kill('authorization');
  await bank.restart('authorization');
  // A fresh gRPC channel for the scenarios: the old one may still be backing off.
  closeScenarioSession(bank);
  // Amounts apart from the first probe's (5.00 and up, a few pennies at most).
  const after = await payments.payUntilApproved(probeCard, 700n, APPROVAL_AFTER_RESTART_MS);
  expect(await payments.findLosses([...before, ...after], NOTHING_LOST_WITHIN_MS)).toEqual([]);
  for (const scenario of ALL_SCENARIOS) {
    await scenario.run(bank, PASS_THROUGH_REPORTER);
  }
}, 110_000);
