import { decideByRules, type DecisionInput } from './authorization-decision';
import { type Card, NO_SPENDING_CONTROLS, STANDARD_PRODUCT } from './card';
import { cardMessage } from '../testing/card-message-builder';

const NOW_MS = Date.UTC(2026, 10, 22, 10);

function activeCard(overrides: Partial<Card> = {}): Card {
  return {
    token: '123456789',
    accountId: 'account-1',
    lastFour: '4242',
    expiryMonth: '2029-12',
    status: 'active',
    currencyCode: 'GBP',
    product: STANDARD_PRODUCT,
    controls: NO_SPENDING_CONTROLS,
    ...overrides,
  };
}

function input(overrides: Partial<DecisionInput> = {}): DecisionInput {
  return {
    message: cardMessage(),
    card: activeCard(),
    spentTodayMinor: 0n,
    nowMs: NOW_MS,
    ...overrides,
  };
}

function codeOf(decisionInput: DecisionInput): string {
  const sut = decideByRules(decisionInput);
  return sut.kind === 'decline' ? sut.decline.responseCode : '00';
}

describe('rule 1: unusable message → 30', () => {
  it('declines a message the gateway flagged malformed', () => {
    expect(codeOf(input({ message: cardMessage({ malformedReason: 'invalid_bill_ccy' }) }))).toBe(
      '30',
    );
  });
  it('declines a message without TXn_ID, even for an unknown card (rule 1 before rule 2)', () => {
    expect(codeOf(input({ message: cardMessage({ txnId: '' }), card: undefined }))).toBe('30');
  });
  it('declines a billing currency that is not the card currency', () => {
    const message = cardMessage({ billAmount: { amountMinor: -100n, currencyCode: 'EUR' } });
    expect(codeOf(input({ message }))).toBe('30');
  });
});

describe('rule 2: unknown token → 14', () => {
  it('declines', () => {
    expect(codeOf(input({ card: undefined }))).toBe('14');
  });
});

describe('rules 3–5: card status', () => {
  it.each([
    ['closed', '46'],
    ['lost', '41'],
    ['stolen', '43'],
    ['not_activated', '78'],
  ] as const)('a %s card → %s', (status, code) => {
    expect(codeOf(input({ card: activeCard({ status }) }))).toBe(code);
  });
  it('a closed card wins over an expired one (first rule wins)', () => {
    expect(codeOf(input({ card: activeCard({ status: 'closed', expiryMonth: '2020-01' }) }))).toBe(
      '46',
    );
  });
});

describe('rule 6: expired in our records → 54', () => {
  it('declines after the expiry month ends, approves during it', () => {
    expect(codeOf(input({ card: activeCard({ expiryMonth: '2026-10' }) }))).toBe('54');
    expect(codeOf(input({ card: activeCard({ expiryMonth: '2026-11' }) }))).toBe('00');
  });
  it('an expired frozen card answers 54, not 62', () => {
    expect(codeOf(input({ card: activeCard({ expiryMonth: '2026-10', status: 'frozen' }) }))).toBe(
      '54',
    );
  });
});

describe('rule 7: frozen → 62', () => {
  it('declines purchases and balance enquiries alike', () => {
    const card = activeCard({ status: 'frozen' });
    expect(codeOf(input({ card }))).toBe('62');
    expect(codeOf(input({ card, message: cardMessage({ procCode: '300000' }) }))).toBe('62');
  });
});

describe('rule 9: not permitted → 57', () => {
  it('blocks gambling MCCs when the gambling group is blocked', () => {
    const card = activeCard({
      controls: { ...NO_SPENDING_CONTROLS, blockedMccGroups: ['gambling'] },
    });
    expect(codeOf(input({ card, message: cardMessage({ mcc: '7995' }) }))).toBe('57');
    expect(codeOf(input({ card, message: cardMessage({ mcc: '5411' }) }))).toBe('00');
  });
  it('blocks card-not-present entry when the customer blocked it', () => {
    const card = activeCard({ controls: { ...NO_SPENDING_CONTROLS, cardNotPresentBlocked: true } });
    expect(codeOf(input({ card, message: cardMessage({ posEntryMode: '81' }) }))).toBe('57');
    expect(codeOf(input({ card, message: cardMessage({ posEntryMode: '05' }) }))).toBe('00');
  });
  it('blocks cash when the product does not allow it', () => {
    const card = activeCard({ product: { ...STANDARD_PRODUCT, cashWithdrawalAllowed: false } });
    expect(codeOf(input({ card, message: cardMessage({ procCode: '010000', mcc: '6011' }) }))).toBe(
      '57',
    );
  });
  it('blocks a blocked country', () => {
    const card = activeCard({ controls: { ...NO_SPENDING_CONTROLS, blockedCountries: ['USA'] } });
    expect(codeOf(input({ card, message: cardMessage({ txnCountry: 'USA' }) }))).toBe('57');
  });
});

describe('rule 10: amount limits → 61', () => {
  const limited = activeCard({
    controls: { ...NO_SPENDING_CONTROLS, perTransactionLimitMinor: 1000n, dailyLimitMinor: 3000n },
  });
  it('declines above the per-transaction limit', () => {
    expect(codeOf(input({ card: limited }))).toBe('61');
  });
  it('declines when the day total would pass the daily limit', () => {
    const message = cardMessage({ billAmount: { amountMinor: -900n, currencyCode: 'GBP' } });
    expect(codeOf(input({ card: limited, message, spentTodayMinor: 2000n }))).toBe('00');
    expect(codeOf(input({ card: limited, message, spentTodayMinor: 2200n }))).toBe('61');
  });
  it('refunds, balance enquiries and verifications skip the limits and hold nothing', () => {
    for (const procCode of ['200000', '300000', '390000']) {
      const sut = decideByRules(input({ card: limited, message: cardMessage({ procCode }) }));
      expect(sut).toEqual({ kind: 'approve', holdAmountMinor: 0n });
    }
  });
});

describe('otherwise → approve with a hold', () => {
  it('holds the debit amount', () => {
    expect(decideByRules(input())).toEqual({ kind: 'approve', holdAmountMinor: 1250n });
  });
  it('adds fees only when the product says so', () => {
    const message = cardMessage({ feesMinor: 30n });
    expect(decideByRules(input({ message }))).toEqual({ kind: 'approve', holdAmountMinor: 1250n });
    const card = activeCard({ product: { ...STANDARD_PRODUCT, holdIncludesFees: true } });
    expect(decideByRules(input({ message, card }))).toEqual({
      kind: 'approve',
      holdAmountMinor: 1280n,
    });
  });
});
