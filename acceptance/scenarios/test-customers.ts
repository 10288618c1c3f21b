import { createHash, randomBytes } from 'node:crypto';

import { authorizationCardsV1 } from '@corebank/contracts-proto';

import type { BankUnderTest, StepReporter } from './bank-under-test';
import { type CardsClient, createCardsClient } from './bank-clients';
import { CardProcessor } from './card-processor';

/** What every test customer holds once funded: enough for every scenario's payments. */
export const TEST_FUNDING_MINOR = 10_000n;
const TEST_CURRENCY = 'GBP';

/** A test-flagged account with an active fake card, funded, and the customer's bearer token. */
export interface TestCustomer {
  readonly accountId: string;
  readonly cardToken: string;
  readonly currencyCode: string;
  readonly bearerToken: string;
  /** The APNs device token this customer registers when the bank under test delivers pushes. */
  readonly deviceToken: string;
}

/** Clients and customer keys shared by every scenario run against one BankUnderTest. */
interface ScenarioSession {
  readonly cards: CardsClient;
  readonly processor: CardProcessor;
  /** Prefix of the OpenAccount/IssueCard idempotency keys: the same prefix reuses the customers. */
  readonly keyPrefix: string;
}

const sessions = new WeakMap<BankUnderTest, ScenarioSession>();

/**
 * Makes the scenarios against `bank` open their customers under `keyPrefix`: OpenAccount and
 * IssueCard are idempotent on their keys, so a prober restarted with the same prefix reuses its
 * accounts and cards instead of opening new ones. Without it, each bank object gets a fresh prefix.
 */
export function useTestCustomerKeys(bank: BankUnderTest, keyPrefix: string): void {
  if (sessions.has(bank)) {
    throw new Error('useTestCustomerKeys must be called before the first scenario');
  }
  sessions.set(bank, newSession(bank, keyPrefix));
}

function newSession(bank: BankUnderTest, keyPrefix: string): ScenarioSession {
  return {
    cards: createCardsClient(bank.cardsGrpcAddress),
    processor: new CardProcessor(bank.soapUrl),
    keyPrefix,
  };
}

export function scenarioSession(bank: BankUnderTest): ScenarioSession {
  let session = sessions.get(bank);
  if (session === undefined) {
    session = newSession(bank, `acceptance-${randomBytes(6).toString('hex')}`);
    sessions.set(bank, session);
  }
  return session;
}

/** Closes the gRPC client the scenarios opened for `bank`. */
export function closeScenarioSession(bank: BankUnderTest): void {
  sessions.get(bank)?.cards.close();
  sessions.delete(bank);
}

function keyDigest(key: string, use: string): Buffer {
  return createHash('sha256').update(`${use}:${key}`).digest();
}

/** The card token of a customer key: 9 digits derived from the key, stable across restarts. */
function cardTokenFor(key: string): string {
  const number = keyDigest(key, 'card').readUInt32BE(0) % 100_000_000;
  // Leading 8: the bank's demo card starts with 9; derived, so re-issuing finds the same card.
  return `8${String(number).padStart(8, '0')}`;
}

/** 64 hex digits, APNs' device-token shape, derived from the key so re-registration is a no-op. */
function deviceTokenFor(key: string): string {
  return keyDigest(key, 'device').toString('hex');
}

/**
 * Opens (or finds again: the calls are idempotent) the test customer for `purpose`: a test-flagged
 * account, a fake card, active, funded back to TEST_FUNDING_MINOR when below half of it.
 */
export async function openTestCustomerForPurpose(
  bank: BankUnderTest,
  report: StepReporter,
  purpose: string,
): Promise<TestCustomer> {
  const { cards, keyPrefix } = scenarioSession(bank);
  const key = `${keyPrefix}:${purpose}`;
  const opened = await report.step('open_test_account', async () => {
    const response = await cards.call('openAccount', {
      idempotencyKey: `${key}:account`,
      currencyCode: TEST_CURRENCY,
      customerReference: `acceptance ${purpose}`,
      testAccount: true,
    });
    if (!response.testAccount) {
      throw new Error(`account ${response.accountId} is not marked as a test account`);
    }
    return response;
  });
  const card = await report.step('issue_fake_card', async () => {
    let issued = await cards.call('issueCard', {
      idempotencyKey: `${key}:card`,
      accountId: opened.accountId,
      processorToken: cardTokenFor(key),
      lastFour: '0000',
      expiryMonth: `${new Date().getUTCFullYear() + 3}-12`,
      activated: true,
      // The standard product and no spending controls: the card of an ordinary customer.
      product: undefined,
      controls: undefined,
    });
    // A prober stopped between freeze and unfreeze left it frozen: start from an active card.
    if (issued.status === authorizationCardsV1.CardStatus.CARD_STATUS_FROZEN) {
      issued = await cards.call('unfreezeCard', { token: issued.token });
    }
    if (issued.status !== authorizationCardsV1.CardStatus.CARD_STATUS_ACTIVE) {
      throw new Error(`card of ${purpose} is not active (status ${issued.status})`);
    }
    return issued;
  });
  await report.step('fund_account', async () => {
    const balance = await cards.call('getAccountBalance', { accountId: opened.accountId });
    if (balance.availableBalanceMinor >= TEST_FUNDING_MINOR / 2n) {
      return;
    }
    // Settled test payments spend test money; top up what the ledger lacks of the target.
    const shortMinor = TEST_FUNDING_MINOR - balance.availableBalanceMinor;
    await cards.call('fundAccount', {
      idempotencyKey: `${key}:fund:${Date.now()}`,
      accountId: opened.accountId,
      amountMinor: shortMinor,
    });
  });
  return {
    accountId: opened.accountId,
    cardToken: card.token,
    currencyCode: opened.currencyCode,
    bearerToken: await bank.customerToken(opened.accountId),
    deviceToken: deviceTokenFor(key),
  };
}

export async function availableMinor(bank: BankUnderTest, accountId: string): Promise<bigint> {
  const balance = await scenarioSession(bank).cards.call('getAccountBalance', { accountId });
  return balance.availableBalanceMinor;
}

export async function balances(
  bank: BankUnderTest,
  accountId: string,
): Promise<{ readonly ledgerMinor: bigint; readonly availableMinor: bigint }> {
  const balance = await scenarioSession(bank).cards.call('getAccountBalance', { accountId });
  return { ledgerMinor: balance.ledgerBalanceMinor, availableMinor: balance.availableBalanceMinor };
}
