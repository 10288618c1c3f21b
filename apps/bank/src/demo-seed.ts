import { isPlatformError } from '@corebank/platform-errors';
import { parseSnowflake } from '@corebank/platform-ids';

import { type CardsClient, expiryMonthThreeYearsFrom } from './cards-client';

export interface DemoCustomerPlan {
  readonly currencyCode: string;
  readonly fundingMinor: bigint;
  readonly cardToken: string;
}

export interface DemoCustomer {
  readonly accountId: string;
  readonly cardToken: string;
  /** RFC 3339: account ids are snowflakes, whose time is when the account was opened. */
  readonly openedAt: string;
  /** False when the card already existed (a restart on the same data): nothing was written. */
  readonly seededNow: boolean;
}

/**
 * Fixed idempotency keys: a start that died half-way through seeding repeats the same calls and
 * the service answers them from its records, so the demo account is never opened or funded twice.
 */
const OPEN_ACCOUNT_KEY = 'bank-demo:open-account';
const FUND_ACCOUNT_KEY = 'bank-demo:fund-account';
const ISSUE_CARD_KEY = 'bank-demo:issue-card';

/**
 * Seeds the demo customer through the CardService API (never a store): an account funded once and
 * a fake card carrying the processor token the CLI pays with.
 */
export async function seedDemoCustomer(
  cards: CardsClient,
  plan: DemoCustomerPlan,
  now: Date,
): Promise<DemoCustomer> {
  const existing = await findCard(cards, plan.cardToken);
  if (existing !== undefined) {
    return demoCustomer(existing.accountId, existing.token, false);
  }
  const account = await cards.call('openAccount', {
    idempotencyKey: OPEN_ACCOUNT_KEY,
    currencyCode: plan.currencyCode,
    customerReference: 'bank-demo',
  });
  if (plan.fundingMinor > 0n) {
    await cards.call('fundAccount', {
      idempotencyKey: FUND_ACCOUNT_KEY,
      accountId: account.accountId,
      amountMinor: plan.fundingMinor,
    });
  }
  const card = await cards.call('issueCard', {
    idempotencyKey: ISSUE_CARD_KEY,
    accountId: account.accountId,
    processorToken: plan.cardToken,
    lastFour: plan.cardToken.slice(-4).padStart(4, '0'),
    expiryMonth: expiryMonthThreeYearsFrom(now),
    activated: true,
    product: undefined,
    controls: undefined,
  });
  return demoCustomer(card.accountId, card.token, true);
}

function demoCustomer(accountId: string, cardToken: string, seededNow: boolean): DemoCustomer {
  const openedAt = new Date(parseSnowflake(accountId).timestampMs).toISOString();
  return { accountId, cardToken, openedAt, seededNow };
}

async function findCard(cards: CardsClient, token: string) {
  try {
    return await cards.call('getCard', { token });
  } catch (error) {
    if (isPlatformError(error) && error.code.startsWith('not_found')) {
      return undefined;
    }
    throw error;
  }
}
