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
const APPROVALS_WHILE_FEED_DOWN = 3;
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
 * Both kills in one stream of payments. The feed's restart is slow: its consumer group rebalances
 * for about the 30 s session timeout before it is ready (the apps do not expose
 * KAFKA_SESSION_TIMEOUT_MS), so authorization is killed and restarted while the feed is still
 * coming back, instead of after it.
 */
it('kill -9 of feed and of authorization mid-run, then restarts, lose no approved payment', async () => {
  const cards = await openCards();
  const stream = new PaymentStream(payments, cards);
  const timeline: string[] = [];
  try {
    await stream.waitForApprovals(APPROVALS_BEFORE_KILL, 30_000);
    const feedPid = bank.apps.feed.pid;
    await bank.kill('feed');
    const approvedAtFeedKill = stream.approvedCount();
    const feedKilledAt = Date.now();
    const feedBack = bank.restart('feed');
    try {
      // Payments go on being approved while the feed is down.
      await stream.waitForApprovals(approvedAtFeedKill + APPROVALS_WHILE_FEED_DOWN, 30_000);
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
      await feedBack;
    }
    expect(bank.apps.feed.pid).not.toBe(feedPid);
    timeline.unshift(
      `feed killed at ${approvedAtFeedKill} approvals, ready again after ${Date.now() - feedKilledAt} ms`,
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
    APPROVALS_BEFORE_KILL + APPROVALS_WHILE_FEED_DOWN + 2 * APPROVALS_AFTER_RESTART,
  );
});
