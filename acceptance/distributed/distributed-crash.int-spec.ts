import { DistributedBank } from '../support/distributed-bank';
import {
  type DistributedCard,
  DistributedPayments,
  PaymentStream,
  type SentPayment,
} from '../support/distributed-payments';

/**
 * Distributed mode (issue 6): the six apps as separate processes on the Kafka mock and a real
 * etcd. An app is killed with SIGKILL while payments flow, restarted, and every approved payment
 * must then have its hold in the ledger, its event on the bus, its feed item and its push, once.
 */
jest.setTimeout(110_000);

const FUND_MINOR = 1_000_000n;
const CARDS = 3;
const APPROVALS_BEFORE_KILL = 6;
const APPROVALS_AFTER_RESTART = 6;
const APPROVALS_WHILE_CONSUMERS_DOWN = 3;
/** Killed together, so their groups' rebalances (about 29 s each) overlap. */
const CONSUMERS_KILLED = ['feed', 'merchant-enrichment'] as const;
const START_MS = 100_000;
/** Bound on the checks: a restarted consumer waits for its group's rebalance (~session timeout). */
const NOTHING_LOST_WITHIN_MS = 60_000;

let bank: DistributedBank;
let payments: DistributedPayments;

beforeAll(async () => {
  const startedAt = Date.now();
  bank = await DistributedBank.start();
  process.stdout.write(`${bank.describeEngines()}; started in ${Date.now() - startedAt} ms\n`);
  payments = await DistributedPayments.connect(bank);
}, START_MS);

afterAll(async () => {
  await payments?.close();
  await bank?.stop();
  // Every process this file started is gone.
  expect(bank?.runningPids() ?? []).toEqual([]);
}, 60_000);

async function openCards(): Promise<DistributedCard[]> {
  const cards: DistributedCard[] = [];
  for (let index = 0; index < CARDS; index += 1) {
    cards.push(await payments.openCard(FUND_MINOR));
  }
  return cards;
}

function summary(sent: readonly SentPayment[]): string {
  const counts = new Map<string, number>();
  for (const payment of sent) {
    const answer = payment.responseStatus.startsWith('none') ? 'none' : payment.responseStatus;
    counts.set(answer, (counts.get(answer) ?? 0) + 1);
  }
  return [...counts].map(([answer, count]) => `${answer}×${count}`).join(' ');
}

/**
 * All kills in one stream of payments. A restarted consumer is slow: its group rebalances for
 * about the 30 s session timeout before it is ready (the apps do not expose
 * KAFKA_SESSION_TIMEOUT_MS), so feed and merchant-enrichment are killed together, and
 * authorization is killed and restarted while they are still coming back.
 */
it('kill -9 of feed, merchant-enrichment and authorization mid-run, then restarts, lose no approved payment', async () => {
  const cards = await openCards();
  const stream = new PaymentStream(payments, cards);
  const timeline: string[] = [];
  try {
    await stream.waitForApprovals(APPROVALS_BEFORE_KILL, 30_000);
    const consumerPids = CONSUMERS_KILLED.map((app) => bank.apps[app].pid);
    for (const app of CONSUMERS_KILLED) {
      await bank.kill(app);
    }
    const approvedAtConsumersKill = stream.approvedCount();
    const consumersKilledAt = Date.now();
    const consumersBack = Promise.all(CONSUMERS_KILLED.map((app) => bank.restart(app)));
    try {
      // Payments go on being approved while the consumers are down.
      await stream.waitForApprovals(
        approvedAtConsumersKill + APPROVALS_WHILE_CONSUMERS_DOWN,
        30_000,
      );
      const authorizationPid = bank.apps.authorization.pid;
      await bank.kill('authorization');
      const approvedAtAuthorizationKill = stream.approvedCount();
      const authorizationKilledAt = Date.now();
      await bank.restart('authorization');
      expect(bank.apps.authorization.pid).not.toBe(authorizationPid);
      timeline.push(
        `authorization killed at ${approvedAtAuthorizationKill} approvals, ready again after ` +
          `${Date.now() - authorizationKilledAt} ms`,
      );
      await stream.waitForApprovals(stream.approvedCount() + APPROVALS_AFTER_RESTART, 40_000);
    } finally {
      await consumersBack;
    }
    CONSUMERS_KILLED.forEach((app, index) => {
      expect(bank.apps[app].pid).not.toBe(consumerPids[index]);
    });
    timeline.unshift(
      `${CONSUMERS_KILLED.join(' and ')} killed at ${approvedAtConsumersKill} approvals, ready again ` +
        `after ${Date.now() - consumersKilledAt} ms`,
    );
    await stream.waitForApprovals(stream.approvedCount() + APPROVALS_AFTER_RESTART, 40_000);
  } finally {
    await stream.stop();
  }
  const checkedAt = Date.now();
  const findings = await payments.findLosses(stream.sent, NOTHING_LOST_WITHIN_MS);
  process.stdout.write(
    `${timeline.join('; ')}; ${stream.sent.length} payments sent (${summary(stream.sent)}); ` +
      `${findings.length} findings after ${Date.now() - checkedAt} ms of checking\n`,
  );
  expect(findings).toEqual([]);
  expect(stream.approvedCount()).toBeGreaterThanOrEqual(
    APPROVALS_BEFORE_KILL + APPROVALS_WHILE_CONSUMERS_DOWN + 2 * APPROVALS_AFTER_RESTART,
  );
});
