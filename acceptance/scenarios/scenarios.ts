import { randomInt } from 'node:crypto';

import { formatDecimalAmount } from '@corebank/domain-money';

import type { BankUnderTest, NamedScenario, StepReporter } from './bank-under-test';
import { FeedApi, type FeedTransaction, registerApnsDevice } from './bank-clients';
import type { CardPayment } from './card-processor';
import {
  balances,
  openTestCustomerForPurpose,
  scenarioSession,
  type TestCustomer,
} from './test-customers';

const FEED_ITEM_WAIT_MS = 20_000;
/**
 * A decision answered 91 at the gateway's deadline may still have placed a hold, which the bank
 * voids shortly after (void-unconfirmed-decision): released balances are checked eventually.
 */
const HOLD_RELEASE_WAIT_MS = 10_000;
const BALANCE_POLL_MS = 100;
const PUSH_WAIT_MS = 20_000;
const STREAM_CONNECT_TIMEOUT_MS = 10_000;
/** Payments sent at once on one account; the card lock serialises them, the ledger must not overdraw. */
const CONCURRENT_PAYMENTS = 4;
/** Of CONCURRENT_PAYMENTS, how many the balance covers: the rest must be declined 51. */
const CONCURRENT_PAYMENTS_COVERED = 3;

const APPROVED = '00';
const INSUFFICIENT_FUNDS = '51';
const CARD_FROZEN = '62';
const ACKNOWLEDGED = '1';

function expectEqual<T>(what: string, actual: T, expected: T): void {
  if (actual !== expected) {
    throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`);
  }
}

/** A payment amount between 1.01 and 9.99: small against TEST_FUNDING_MINOR, varied per run. */
function smallAmountMinor(): bigint {
  return BigInt(randomInt(101, 1_000));
}

/** A DE43 name no other payment carries, so the feed item found is this payment's. */
function uniqueMerchantName(purpose: string): string {
  return `CBTEST ${purpose.toUpperCase()} ${randomInt(0, 1_000_000_000)}`.slice(0, 25);
}

function isItemOf(payment: CardPayment): (item: FeedTransaction) => boolean {
  return (item) =>
    item.amount === -Number(payment.amountMinor) && item.description.includes(payment.merchantName);
}

async function authorizeApproved(
  bank: BankUnderTest,
  report: StepReporter,
  payment: CardPayment,
): Promise<void> {
  await report.step('authorize', async () => {
    const reply = await scenarioSession(bank).processor.authorize(payment);
    expectEqual('authorization response', reply.responseStatus, APPROVED);
  });
}

/** Waits (bounded) until the available balance is `expectedMinor`; throws with the last seen. */
async function availableBecomes(
  bank: BankUnderTest,
  accountId: string,
  what: string,
  expectedMinor: bigint,
): Promise<void> {
  const deadline = Date.now() + HOLD_RELEASE_WAIT_MS;
  for (;;) {
    const { availableMinor } = await balances(bank, accountId);
    if (availableMinor === expectedMinor) {
      return;
    }
    if (Date.now() >= deadline) {
      expectEqual(what, availableMinor, expectedMinor);
    }
    await new Promise((resolve) => setTimeout(resolve, BALANCE_POLL_MS));
  }
}

/** Reverses `payment` (0400/D) and checks the hold is gone: scenarios leave no hold behind. */
async function reverseHold(
  bank: BankUnderTest,
  report: StepReporter,
  customer: TestCustomer,
  payment: CardPayment,
  availableBeforeMinor: bigint,
): Promise<void> {
  await report.step('reverse_hold', async () => {
    const reply = await scenarioSession(bank).processor.reverse(payment);
    expectEqual('reversal acknowledgement', reply.acknowledgement, ACKNOWLEDGED);
    await availableBecomes(
      bank,
      customer.accountId,
      'available balance after reversal',
      availableBeforeMinor,
    );
  });
}

function newPayment(customer: TestCustomer, bank: BankUnderTest, purpose: string): CardPayment {
  return scenarioSession(bank).processor.newPayment(
    customer.cardToken,
    customer.currencyCode,
    smallAmountMinor(),
    uniqueMerchantName(purpose),
  );
}

/** A test customer opens a test-flagged account, gets a fake card and money on it. */
export async function openTestCustomerWithCard(
  bank: BankUnderTest,
  report: StepReporter,
): Promise<void> {
  const customer = await openTestCustomerForPurpose(bank, report, 'open');
  await report.step('see_balance', async () => {
    const balance = await balances(bank, customer.accountId);
    if (balance.availableMinor <= 0n || balance.ledgerMinor < balance.availableMinor) {
      throw new Error(`unexpected balances ${balance.ledgerMinor}/${balance.availableMinor}`);
    }
  });
}

/**
 * The customer pays with the card: the processor's authorisation is approved, the hold shows in
 * the available balance, the item arrives on the live feed and in the feed API, the phone gets a
 * push (when the bank under test delivers pushes somewhere we can see); then the merchant cancels.
 */
export async function payAndSeeFeedItemAndPush(
  bank: BankUnderTest,
  report: StepReporter,
): Promise<void> {
  const customer = await openTestCustomerForPurpose(bank, report, 'pay');
  const feed = new FeedApi(bank.feedUrl, customer.bearerToken);
  const pushes = bank.pushes;
  if (pushes !== undefined) {
    await report.step('register_device', () =>
      registerApnsDevice(bank.notificationsUrl, customer.bearerToken, customer.deviceToken),
    );
  }
  const stream = await report.step('open_feed_stream', () =>
    feed.openStream(customer.accountId, STREAM_CONNECT_TIMEOUT_MS),
  );
  try {
    const before = await balances(bank, customer.accountId);
    const payment = newPayment(customer, bank, 'pay');
    await authorizeApproved(bank, report, payment);
    try {
      await report.step('hold_on_balance', async () => {
        const after = await balances(bank, customer.accountId);
        expectEqual(
          'available balance',
          after.availableMinor,
          before.availableMinor - payment.amountMinor,
        );
        expectEqual('ledger balance', after.ledgerMinor, before.ledgerMinor);
      });
      const streamed = await report.step('feed_item_streamed', () =>
        stream.waitFor(isItemOf(payment), FEED_ITEM_WAIT_MS),
      );
      await report.step('feed_item_listed', async () => {
        const listed = await feed.transaction(streamed.id);
        expectEqual('feed item account', listed['account_id'], customer.accountId);
        expectEqual('feed item amount', listed.amount, -Number(payment.amountMinor));
      });
      if (pushes !== undefined) {
        const spent = `Spent ${formatDecimalAmount({ amountMinor: payment.amountMinor, currency: payment.currency.code })} ${payment.currency.code}`;
        await report.step('push_received', () =>
          pushes.waitForPush(
            customer.deviceToken,
            (payload) => JSON.stringify(payload).includes(spent),
            PUSH_WAIT_MS,
          ),
        );
      }
    } finally {
      await reverseHold(bank, report, customer, payment, before.availableMinor);
    }
  } finally {
    stream.close();
  }
}

/** The merchant cancels an approved payment: the hold is released, nothing is spent. */
export async function reverse(bank: BankUnderTest, report: StepReporter): Promise<void> {
  const customer = await openTestCustomerForPurpose(bank, report, 'reverse');
  const before = await balances(bank, customer.accountId);
  const payment = newPayment(customer, bank, 'reverse');
  await authorizeApproved(bank, report, payment);
  await reverseHold(bank, report, customer, payment, before.availableMinor);
  await report.step('nothing_spent', async () => {
    const after = await balances(bank, customer.accountId);
    expectEqual('ledger balance', after.ledgerMinor, before.ledgerMinor);
  });
}

/** The merchant settles: the presentment turns the hold into a posted debit of the same amount. */
export async function settle(bank: BankUnderTest, report: StepReporter): Promise<void> {
  const customer = await openTestCustomerForPurpose(bank, report, 'settle');
  const before = await balances(bank, customer.accountId);
  const payment = newPayment(customer, bank, 'settle');
  await authorizeApproved(bank, report, payment);
  await report.step('present', async () => {
    const reply = await scenarioSession(bank).processor.present(payment);
    expectEqual('presentment acknowledgement', reply.acknowledgement, ACKNOWLEDGED);
  });
  await report.step('debit_posted', async () => {
    const after = await balances(bank, customer.accountId);
    expectEqual('ledger balance', after.ledgerMinor, before.ledgerMinor - payment.amountMinor);
    expectEqual(
      'available balance',
      after.availableMinor,
      before.availableMinor - payment.amountMinor,
    );
  });
}

/** The customer freezes the card: the next payment is declined 62 and moves nothing; unfrozen, it works. */
export async function freezeThenDeclined(bank: BankUnderTest, report: StepReporter): Promise<void> {
  const customer = await openTestCustomerForPurpose(bank, report, 'freeze');
  const { cards, processor } = scenarioSession(bank);
  const before = await balances(bank, customer.accountId);
  await report.step('freeze_card', () => cards.call('freezeCard', { token: customer.cardToken }));
  try {
    await report.step('declined_while_frozen', async () => {
      const reply = await processor.authorize(newPayment(customer, bank, 'frozen'));
      expectEqual('authorization response', reply.responseStatus, CARD_FROZEN);
      const after = await balances(bank, customer.accountId);
      expectEqual('available balance', after.availableMinor, before.availableMinor);
    });
  } finally {
    await report.step('unfreeze_card', () =>
      cards.call('unfreezeCard', { token: customer.cardToken }),
    );
  }
  const payment = newPayment(customer, bank, 'unfrozen');
  await authorizeApproved(bank, report, payment);
  await reverseHold(bank, report, customer, payment, before.availableMinor);
}

/**
 * Several payments at once on one account, more than it can cover: exactly the covered ones are
 * approved, the others declined 51, the balance is exact and never below zero.
 */
export async function concurrentPaymentsOnOneAccount(
  bank: BankUnderTest,
  report: StepReporter,
): Promise<void> {
  const customer = await openTestCustomerForPurpose(bank, report, 'concurrent');
  const { processor } = scenarioSession(bank);
  const before = await balances(bank, customer.accountId);
  // Each payment is a third of what is available (rounded down): three fit, a fourth cannot
  // (for any balance the funding keeps); the expectation is computed exactly either way.
  const amountMinor = before.availableMinor / BigInt(CONCURRENT_PAYMENTS_COVERED);
  if (amountMinor <= 0n) {
    throw new Error(`test account holds too little: ${before.availableMinor}`);
  }
  const covered = Math.min(CONCURRENT_PAYMENTS, Number(before.availableMinor / amountMinor));
  const payments = Array.from({ length: CONCURRENT_PAYMENTS }, (_unused, index) =>
    processor.newPayment(
      customer.cardToken,
      customer.currencyCode,
      amountMinor,
      uniqueMerchantName(`concurrent${index}`),
    ),
  );
  const replies = await report.step('authorize_concurrently', () =>
    Promise.all(payments.map((payment) => processor.authorize(payment))),
  );
  const approved = payments.filter(
    (_payment, index) => replies[index]?.responseStatus === APPROVED,
  );
  try {
    await report.step('exact_balance', async () => {
      const statuses = replies.map((reply) => reply.responseStatus).sort();
      const expected = [
        ...Array<string>(covered).fill(APPROVED),
        ...Array<string>(CONCURRENT_PAYMENTS - covered).fill(INSUFFICIENT_FUNDS),
      ];
      expectEqual('response statuses', statuses.join(','), expected.join(','));
      const after = await balances(bank, customer.accountId);
      expectEqual(
        'available balance',
        after.availableMinor,
        before.availableMinor - BigInt(approved.length) * amountMinor,
      );
      if (after.availableMinor < 0n) {
        throw new Error(`overdrawn: available ${after.availableMinor}`);
      }
    });
  } finally {
    await report.step('reverse_holds', async () => {
      for (const payment of approved) {
        const reply = await processor.reverse(payment);
        expectEqual('reversal acknowledgement', reply.acknowledgement, ACKNOWLEDGED);
      }
      await availableBecomes(
        bank,
        customer.accountId,
        'available balance after reversals',
        before.availableMinor,
      );
    });
  }
}

/** Every scenario, in the order a person reads them; the prober runs them all each round. */
export const ALL_SCENARIOS: readonly NamedScenario[] = [
  { name: 'open_test_customer_with_card', run: openTestCustomerWithCard },
  { name: 'pay_and_see_feed_item_and_push', run: payAndSeeFeedItemAndPush },
  { name: 'reverse', run: reverse },
  { name: 'settle', run: settle },
  { name: 'freeze_then_declined', run: freezeThenDeclined },
  { name: 'concurrent_payments_on_one_account', run: concurrentPaymentsOnOneAccount },
];
