import { parseAuthorizationTransactionEvent } from '@corebank/domain-transaction-events';
import { parseEnvelope } from '@corebank/platform-event-bus';
import { isPlatformError } from '@corebank/platform-errors';

import { runCardsCli } from '../../cli/cards-cli';
import { AuthorizationHarness, dataOf, type TestCard } from '../../testing/authorization-harness';

// A real ledger child process plus the service; each scenario opens its own account and card
// (100.00 GBP unless stated), so scenarios do not share balances.
jest.setTimeout(60_000);

let harness: AuthorizationHarness;

beforeAll(async () => {
  harness = await AuthorizationHarness.start();
});

afterAll(async () => {
  await harness?.stop();
});

async function expectBalance(card: TestCard, ledger: bigint, available: bigint): Promise<void> {
  expect(await harness.balance(card)).toEqual({ ledger, available });
}

function purchase(card: TestCard | undefined, amountMinor: bigint, overrides = {}) {
  return harness.message(card, {
    billAmount: { amountMinor: -amountMinor, currencyCode: 'GBP' },
    txnAmount: { amountMinor, currencyCode: 'GBP' },
    ...overrides,
  });
}

describe('A01 approval places one hold', () => {
  it('answers 00 with balances and publishes authorized', async () => {
    const card = await harness.openCard();
    const message = purchase(card, 1250n);
    const response = await harness.send(message);
    expect(response.responseCode).toBe('00');
    expect(response.acknowledged).toBe(true);
    expect(response.ledgerBalance?.amountMinor).toBe(10_000n);
    expect(response.availableBalance?.amountMinor).toBe(8_750n);
    await expectBalance(card, 10_000n, 8_750n);
    const events = await harness.eventsFor(message.txnId);
    expect(events.map((event) => event.type)).toEqual(['authorization.transaction.authorized.v1']);
    expect(events[0]?.key).toBe(card.accountId);
    expect(dataOf(events[0])).toMatchObject({
      holdChangeMinor: '1250',
      mcc: '5999',
      merchant: expect.objectContaining({ name: 'CORNER SHOP' }) as unknown,
    });
  });
});

describe('A02 insufficient funds', () => {
  it('declines 51 with no hold and publishes declined', async () => {
    const card = await harness.openCard();
    const message = purchase(card, 15_000n);
    const response = await harness.send(message);
    expect(response.responseCode).toBe('51');
    await expectBalance(card, 10_000n, 10_000n);
    const events = await harness.eventsFor(message.txnId);
    expect(events[0]?.type).toBe('authorization.transaction.declined.v1');
    expect(dataOf(events[0])['declineReason']).toBe('insufficient_funds');
  });
});

describe('A03 frozen card, unfrozen instantly', () => {
  it('declines 62 while frozen and approves after unfreeze', async () => {
    const card = await harness.openCard();
    await harness.cards.call('freezeCard', { token: card.token });
    expect((await harness.send(purchase(card, 1250n))).responseCode).toBe('62');
    await expectBalance(card, 10_000n, 10_000n);
    await harness.cards.call('unfreezeCard', { token: card.token });
    expect((await harness.send(purchase(card, 1250n))).responseCode).toBe('00');
  });
});

describe('A04 unknown token', () => {
  it('declines 14 with no balances and an event keyed to no account', async () => {
    const message = purchase(undefined, 1250n);
    const response = await harness.send(message);
    expect(response.responseCode).toBe('14');
    expect(response.ledgerBalance).toBeUndefined();
    const events = await harness.eventsFor(message.txnId);
    expect(events[0]?.key).toBe('unknown-account');
  });
});

describe('A05 expired card', () => {
  it('declines 54', async () => {
    const card = await harness.openCard({ expiryMonth: '2020-01' });
    expect((await harness.send(purchase(card, 100n))).responseCode).toBe('54');
  });
});

describe('A06 gambling block', () => {
  it('declines MCC 7995 with 57 and approves a grocery', async () => {
    const card = await harness.openCard({
      controls: {
        blockedMccGroups: ['gambling'],
        perTransactionLimitMinor: 0n,
        dailyLimitMinor: 0n,
        cardNotPresentBlocked: false,
        blockedCountries: [],
      },
    });
    expect((await harness.send(purchase(card, 100n, { mcc: '7995' }))).responseCode).toBe('57');
    expect((await harness.send(purchase(card, 100n, { mcc: '5411' }))).responseCode).toBe('00');
  });
});

describe('A07 duplicate deliveries', () => {
  it('20 parallel plus sequential copies: identical answers, one hold, one event', async () => {
    const card = await harness.openCard();
    const message = purchase(card, 1250n);
    const responses = await Promise.all(Array.from({ length: 20 }, () => harness.send(message)));
    responses.push(await harness.send(message), await harness.send(message));
    expect(new Set(responses.map((response) => response.responseCode))).toEqual(new Set(['00']));
    expect(new Set(responses.map((response) => response.decisionId)).size).toBe(1);
    await expectBalance(card, 10_000n, 8_750n);
    await harness.eventsFor(message.txnId);
    // Give a wrongly duplicated event time to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await harness.eventsFor(message.txnId)).toHaveLength(1);
  });
});

describe('A08 TXn_ID conflict', () => {
  it('replays the stored answer for a different payload and changes nothing', async () => {
    const card = await harness.openCard();
    const message = purchase(card, 1250n);
    await harness.send(message);
    const conflicting = { ...purchase(card, 5000n), txnId: message.txnId, payloadHash: 'other' };
    const response = await harness.send(conflicting);
    expect(response.responseCode).toBe('00');
    await expectBalance(card, 10_000n, 8_750n);
  });
});

describe('A09 processor declined what we approved', () => {
  it('releases our hold on the Authorised_by_GPS=Y, Txn_Stat_Code=I re-send', async () => {
    const card = await harness.openCard();
    const message = purchase(card, 1250n);
    await harness.send(message);
    const resend = {
      ...message,
      sendingAttemptCount: 1,
      authorisedByProcessor: true,
      txnStatCode: 'I',
      payloadHash: `${message.payloadHash}-resend`,
    };
    const response = await harness.send(resend);
    expect(response.acknowledged).toBe(true);
    expect(response.availableBalance?.amountMinor).toBe(10_000n);
    // A further copy of the same verdict changes nothing.
    await harness.send(resend);
    await expectBalance(card, 10_000n, 10_000n);
  });
});

describe('A10 stand-in for a message we never saw', () => {
  it('holds even beyond the balance and flags stand_in', async () => {
    const card = await harness.openCard();
    const message = purchase(card, 15_000n, {
      authorisedByProcessor: true,
      sendingAttemptCount: 1,
      txnStatCode: 'A',
    });
    const response = await harness.send(message);
    expect(response.acknowledged).toBe(true);
    await expectBalance(card, 10_000n, -5_000n);
    const events = await harness.eventsFor(message.txnId);
    expect(dataOf(events[0])['flags']).toContain('stand_in');
  });
});

describe('A11 network stand-in advice', () => {
  it('an approved advice replaces the hold; a declined one releases it', async () => {
    const card = await harness.openCard();
    const auth = purchase(card, 1250n);
    await harness.send(auth);
    const advice = purchase(card, 2000n, {
      kind: 'auth_advised',
      mtid: '0120',
      txnType: 'J',
      respCodeDe39: '00',
      traceidLifecycle: auth.traceidLifecycle,
    });
    expect((await harness.send(advice)).acknowledged).toBe(true);
    await expectBalance(card, 10_000n, 8_000n);
    const declinedAdvice = purchase(card, 2000n, {
      kind: 'auth_advised',
      mtid: '0120',
      txnType: 'J',
      respCodeDe39: '05',
      traceidLifecycle: auth.traceidLifecycle,
    });
    await harness.send(declinedAdvice);
    await expectBalance(card, 10_000n, 10_000n);
  });
});

describe('A12 incremental authorization', () => {
  it('adds to the lifecycle hold; a declined increment keeps earlier holds', async () => {
    const card = await harness.openCard();
    const auth = purchase(card, 1250n);
    await harness.send(auth);
    const increment = purchase(card, 3000n, { traceidLifecycle: auth.traceidLifecycle });
    expect((await harness.send(increment)).responseCode).toBe('00');
    await expectBalance(card, 10_000n, 5_750n);
    const tooLarge = purchase(card, 9000n, { traceidLifecycle: auth.traceidLifecycle });
    expect((await harness.send(tooLarge)).responseCode).toBe('51');
    await expectBalance(card, 10_000n, 5_750n);
  });
});

function reversal(card: TestCard, traceid: string, billMinor: bigint, txnMinor: bigint) {
  return harness.message(card, {
    kind: 'auth_reversed',
    mtid: '0400',
    txnType: 'D',
    traceidLifecycle: traceid,
    billAmount: { amountMinor: billMinor, currencyCode: 'GBP' },
    txnAmount: { amountMinor: txnMinor, currencyCode: 'GBP' },
  });
}

describe('A13 full reversal with an FX difference', () => {
  it('releases the whole hold when Txn_Amt equals the original', async () => {
    const card = await harness.openCard();
    const auth = purchase(card, 1250n);
    await harness.send(auth);
    await harness.send(reversal(card, auth.traceidLifecycle, 1249n, 1250n));
    await expectBalance(card, 10_000n, 10_000n);
  });
});

describe('A14 partial then over-reversal', () => {
  it('holds 7.50 then 0, never below zero, flags over_reversal', async () => {
    const card = await harness.openCard();
    const auth = purchase(card, 1250n);
    await harness.send(auth);
    await harness.send(reversal(card, auth.traceidLifecycle, 500n, 500n));
    await expectBalance(card, 10_000n, 9_250n);
    const over = reversal(card, auth.traceidLifecycle, 2000n, 2000n);
    await harness.send(over);
    await expectBalance(card, 10_000n, 10_000n);
    const events = await harness.eventsFor(over.txnId);
    expect(dataOf(events[0])['flags']).toContain('over_reversal');
  });
});

describe('A15 duplicate reversal', () => {
  it('releases once', async () => {
    const card = await harness.openCard();
    const auth = purchase(card, 1250n);
    await harness.send(auth);
    const partial = reversal(card, auth.traceidLifecycle, 500n, 500n);
    await harness.send(partial);
    await harness.send(partial);
    await expectBalance(card, 10_000n, 9_250n);
  });
});

describe('A16 orphan reversal', () => {
  it('acknowledges and changes nothing', async () => {
    const card = await harness.openCard();
    const orphan = reversal(card, 'VIS1-unknown-lifecycle', 500n, 500n);
    const response = await harness.send(orphan);
    expect(response.acknowledged).toBe(true);
    expect(response.responseCode).toBe('00');
    await expectBalance(card, 10_000n, 10_000n);
    const events = await harness.eventsFor(orphan.txnId);
    expect(dataOf(events[0])['flags']).toContain('orphan_reversal');
  });
});

function presentment(card: TestCard, traceid: string, amountMinor: bigint, overrides = {}) {
  return harness.message(card, {
    kind: 'presented',
    mtid: '05',
    txnType: 'P',
    traceidLifecycle: traceid,
    billAmount: { amountMinor: -amountMinor, currencyCode: 'GBP' },
    txnAmount: { amountMinor, currencyCode: 'GBP' },
    ...overrides,
  });
}

describe('A17 expiry after partial clearing', () => {
  it('releases what is still held', async () => {
    const card = await harness.openCard();
    const auth = purchase(card, 1250n);
    await harness.send(auth);
    await harness.send(presentment(card, auth.traceidLifecycle, 660n));
    await harness.send(
      harness.message(card, {
        kind: 'auth_expired',
        mtid: '',
        txnType: 'D',
        traceidLifecycle: auth.traceidLifecycle,
      }),
    );
    await expectBalance(card, 9_340n, 9_340n);
  });
});

describe('A18 presentment equal to the authorization', () => {
  it('turns the hold into a posted debit', async () => {
    const card = await harness.openCard();
    const auth = purchase(card, 1250n);
    await harness.send(auth);
    await harness.send(presentment(card, auth.traceidLifecycle, 1250n));
    await expectBalance(card, 8_750n, 8_750n);
  });
});

describe('A19 presentment above the authorization (tip)', () => {
  it('posts the full amount, releases the hold, flags over_clearing', async () => {
    const card = await harness.openCard();
    const auth = purchase(card, 1250n);
    await harness.send(auth);
    const tip = presentment(card, auth.traceidLifecycle, 1500n);
    await harness.send(tip);
    await expectBalance(card, 8_500n, 8_500n);
    expect(dataOf((await harness.eventsFor(tip.txnId))[0])['flags']).toContain('over_clearing');
  });
});

describe('A20 split presentments', () => {
  it('matches each; the hold goes 12.50 → 5.90 → 0', async () => {
    const card = await harness.openCard();
    const auth = purchase(card, 1250n);
    await harness.send(auth);
    await harness.send(presentment(card, auth.traceidLifecycle, 660n));
    await expectBalance(card, 9_340n, 8_750n);
    await harness.send(presentment(card, auth.traceidLifecycle, 590n));
    await expectBalance(card, 8_750n, 8_750n);
  });
});

describe('lifecycle matching fallbacks (§6.2)', () => {
  it('matches a presentment by Matching_Txn_ID, Trans_link or auth code + date, flagged unreliable', async () => {
    const card = await harness.openCard();
    const byTxnId = purchase(card, 1000n);
    const byLink = purchase(card, 1000n, { transLink: 'LINK-000000000001' });
    const byAuthCode = purchase(card, 1000n, { authCode: 'A1B2C3' });
    for (const auth of [byTxnId, byLink, byAuthCode]) {
      expect((await harness.send(auth)).responseCode).toBe('00');
    }
    await expectBalance(card, 10_000n, 7_000n);
    const presentments = [
      presentment(card, '', 1000n, { matchingTxnId: byTxnId.txnId }),
      presentment(card, '', 1000n, { transLink: 'LINK-000000000001' }),
      presentment(card, '', 1000n, { authCode: 'A1B2C3' }),
    ];
    for (const clearing of presentments) {
      await harness.send(clearing);
      const flags = dataOf((await harness.eventsFor(clearing.txnId))[0])['flags'];
      expect(flags).toContain('unreliable_match');
      expect(flags).not.toContain('force_post');
    }
    await expectBalance(card, 7_000n, 7_000n);
  });
});

describe('A21 offline force post', () => {
  it('ignores the dummy advice and posts into a negative balance', async () => {
    const card = await harness.openCard({ fundMinor: 500n });
    const dummy = presentment(card, '', 800n, {
      kind: 'advice_notification_ignored',
      txnType: 'A',
    });
    expect((await harness.send(dummy)).acknowledged).toBe(true);
    await expectBalance(card, 500n, 500n);
    const forced = presentment(card, '', 800n);
    await harness.send(forced);
    await expectBalance(card, -300n, -300n);
    expect(dataOf((await harness.eventsFor(forced.txnId))[0])['flags']).toContain('force_post');
  });
});

describe('A22 refund', () => {
  it('approves the refund auth without credit and credits once on presentment', async () => {
    const card = await harness.openCard();
    const refundAuth = harness.message(card, {
      procCode: '200000',
      billAmount: { amountMinor: 2000n, currencyCode: 'GBP' },
      txnAmount: { amountMinor: 2000n, currencyCode: 'GBP' },
    });
    expect((await harness.send(refundAuth)).responseCode).toBe('00');
    await expectBalance(card, 10_000n, 10_000n);
    const credit = harness.message(card, {
      kind: 'presented',
      mtid: '06',
      txnType: 'P',
      procCode: '200000',
      traceidLifecycle: '',
      billAmount: { amountMinor: 2000n, currencyCode: 'GBP' },
      txnAmount: { amountMinor: 2000n, currencyCode: 'GBP' },
    });
    await harness.send(credit);
    await harness.send(credit);
    await expectBalance(card, 12_000n, 12_000n);
  });
});

describe('A23 clearing reversal', () => {
  it('credits the matched presentment via ARN once; a negative amount is quarantined', async () => {
    const card = await harness.openCard();
    const auth = purchase(card, 1250n);
    await harness.send(auth);
    await harness.send(
      presentment(card, auth.traceidLifecycle, 1250n, { acquirerReferenceNumber: 'ARN-A23' }),
    );
    await expectBalance(card, 8_750n, 8_750n);
    const clearingReversal = harness.message(card, {
      kind: 'presentment_reversed',
      mtid: '25',
      txnType: 'E',
      traceidLifecycle: '',
      acquirerReferenceNumber: 'ARN-A23',
      billAmount: { amountMinor: 1250n, currencyCode: 'GBP' },
      txnAmount: { amountMinor: 1250n, currencyCode: 'GBP' },
    });
    await harness.send(clearingReversal);
    await harness.send(clearingReversal);
    await expectBalance(card, 10_000n, 10_000n);
    const negative = {
      ...clearingReversal,
      txnId: harness.nextTxnId(),
      billAmount: { amountMinor: -1250n, currencyCode: 'GBP' },
    };
    expect((await harness.send(negative)).acknowledged).toBe(true);
    await expectBalance(card, 10_000n, 10_000n);
    expect(dataOf((await harness.eventsFor(negative.txnId))[0])['flags']).toContain('quarantined');
  });
});

describe('A24 chargeback and its reversal', () => {
  it('records and acknowledges both without posting', async () => {
    const card = await harness.openCard();
    for (const [kind, txnType] of [
      ['chargeback', 'C'],
      ['chargeback_reversed', 'K'],
    ] as const) {
      const message = harness.message(card, { kind, mtid: '1240', txnType });
      const response = await harness.send(message);
      expect(response.acknowledged).toBe(true);
      expect((await harness.eventsFor(message.txnId))[0]?.type).toBe(
        'authorization.transaction.recorded.v1',
      );
    }
    await expectBalance(card, 10_000n, 10_000n);
  });
});

describe('A25 balance enquiry and verification', () => {
  it('answer 00 with balances and hold nothing; a frozen card gets 62', async () => {
    const card = await harness.openCard();
    const enquiry = harness.message(card, { procCode: '300000' });
    const response = await harness.send(enquiry);
    expect(response.responseCode).toBe('00');
    expect(response.availableBalance?.amountMinor).toBe(10_000n);
    const verification = harness.message(card, {
      procCode: '390000',
      billAmount: { amountMinor: 0n, currencyCode: 'GBP' },
      txnAmount: { amountMinor: 0n, currencyCode: 'GBP' },
    });
    expect((await harness.send(verification)).responseCode).toBe('00');
    await expectBalance(card, 10_000n, 10_000n);
    await harness.cards.call('freezeCard', { token: card.token });
    expect((await harness.send(harness.message(card, { procCode: '300000' }))).responseCode).toBe(
      '62',
    );
  });
});

describe('A26 0101 repeat', () => {
  it('replays the original answer without a second hold; unmatched is a new 0100', async () => {
    const card = await harness.openCard();
    const original = purchase(card, 1250n, {
      retrievalReferenceNumber: 'RRN000000026',
      transmissionTimeDe07: '1122101010',
    });
    await harness.send(original);
    const repeat = purchase(card, 1250n, {
      kind: 'auth_repeated',
      mtid: '0101',
      retrievalReferenceNumber: 'RRN000000026',
      transmissionTimeDe07: '1122101010',
    });
    expect((await harness.send(repeat)).responseCode).toBe('00');
    await expectBalance(card, 10_000n, 8_750n);
    const unmatched = purchase(card, 1000n, {
      kind: 'auth_repeated',
      mtid: '0101',
      retrievalReferenceNumber: 'RRN000000099',
    });
    expect((await harness.send(unmatched)).responseCode).toBe('00');
    await expectBalance(card, 10_000n, 7_750n);
  });
});

describe('A27 currencies with other exponents', () => {
  it('holds JPY and KWD in their own minor units', async () => {
    const yen = await harness.openCard({ currencyCode: 'JPY', fundMinor: 10_000n });
    const yenAuth = harness.message(yen, {
      billAmount: { amountMinor: -1500n, currencyCode: 'JPY' },
      txnAmount: { amountMinor: 1500n, currencyCode: 'JPY' },
    });
    expect((await harness.send(yenAuth)).availableBalance).toMatchObject({
      amountMinor: 8_500n,
      currencyCode: 'JPY',
    });
    const dinar = await harness.openCard({ currencyCode: 'KWD', fundMinor: 5_000n });
    const dinarAuth = harness.message(dinar, {
      billAmount: { amountMinor: -1235n, currencyCode: 'KWD' },
      txnAmount: { amountMinor: 1235n, currencyCode: 'KWD' },
    });
    expect((await harness.send(dinarAuth)).availableBalance?.amountMinor).toBe(3_765n);
    const wrongCurrency = harness.message(dinar, {
      billAmount: { amountMinor: -100n, currencyCode: 'GBP' },
    });
    expect((await harness.send(wrongCurrency)).responseCode).toBe('30');
  });

  it('a message the gateway flagged malformed is declined 30 with no hold', async () => {
    const card = await harness.openCard();
    const malformed = purchase(card, 1250n, { malformedReason: 'invalid_bill_amt' });
    expect((await harness.send(malformed)).responseCode).toBe('30');
    await expectBalance(card, 10_000n, 10_000n);
  });
});

describe('0200 single-message financial request and its reversal', () => {
  it('posts at once without a hold; 0420/V credits back what was posted', async () => {
    const card = await harness.openCard();
    const financial = purchase(card, 2000n, {
      kind: 'financial_requested',
      mtid: '0200',
      txnType: 'M',
    });
    expect((await harness.send(financial)).responseCode).toBe('00');
    await expectBalance(card, 8_000n, 8_000n);
    const financialReversal = harness.message(card, {
      kind: 'financial_reversed',
      mtid: '0420',
      txnType: 'V',
      traceidLifecycle: financial.traceidLifecycle,
      billAmount: { amountMinor: 5000n, currencyCode: 'GBP' },
    });
    await harness.send(financialReversal);
    await expectBalance(card, 10_000n, 10_000n);
  });
});

describe('loads and fees', () => {
  it('credits a load and debits a fee carried in the fee fields', async () => {
    const card = await harness.openCard();
    await harness.send(
      harness.message(card, {
        kind: 'account_adjusted',
        mtid: '',
        txnType: 'L',
        billAmount: { amountMinor: 500n, currencyCode: 'GBP' },
      }),
    );
    await harness.send(
      harness.message(card, {
        kind: 'account_adjusted',
        mtid: '',
        txnType: 'P',
        billAmount: { amountMinor: 0n, currencyCode: 'GBP' },
        feesMinor: 150n,
      }),
    );
    await expectBalance(card, 10_350n, 10_350n);
  });
});

describe('VoidUnconfirmedDecision', () => {
  it('releases the hold of a decision the gateway answered 91, and a late copy replays 91', async () => {
    const card = await harness.openCard();
    const message = purchase(card, 1250n);
    await harness.send(message);
    const voided = await harness.authorization.call('voidUnconfirmedDecision', {
      txnId: message.txnId,
      answeredResponseCode: '91',
      reason: 'deadline',
    });
    expect(voided.holdReleased).toBe(true);
    await expectBalance(card, 10_000n, 10_000n);
    expect((await harness.send(message)).responseCode).toBe('91');
    await expectBalance(card, 10_000n, 10_000n);
  });

  it('a TXn_ID voided before it was processed never holds money', async () => {
    const card = await harness.openCard();
    const message = purchase(card, 1250n);
    const voided = await harness.authorization.call('voidUnconfirmedDecision', {
      txnId: message.txnId,
      answeredResponseCode: '91',
      reason: 'deadline',
    });
    expect(voided.holdReleased).toBe(false);
    expect((await harness.send(message)).responseCode).toBe('91');
    await expectBalance(card, 10_000n, 10_000n);
  });

  it('after a void, the processor stand-in approval (Y, A) places the hold after all', async () => {
    const card = await harness.openCard();
    const message = purchase(card, 1250n);
    await harness.authorization.call('voidUnconfirmedDecision', {
      txnId: message.txnId,
      answeredResponseCode: '91',
      reason: 'deadline',
    });
    const standIn = {
      ...message,
      authorisedByProcessor: true,
      sendingAttemptCount: 1,
      txnStatCode: 'A',
      payloadHash: `${message.payloadHash}-stand-in`,
    };
    expect((await harness.send(standIn)).acknowledged).toBe(true);
    await harness.send(standIn);
    await expectBalance(card, 10_000n, 8_750n);
    const events = await harness.eventsFor(message.txnId);
    expect(events.map((event) => event.type)).toEqual(['authorization.transaction.authorized.v1']);
  });

  it('an exhausted deadline is refused before any work', async () => {
    const card = await harness.openCard();
    const message = purchase(card, 1250n);
    const outcome = await harness.send(message, 1).then(
      () => 'answered',
      (error: unknown) => (isPlatformError(error) ? error.category : String(error)),
    );
    expect(outcome).toBe('timeout');
    await harness.authorization.call('voidUnconfirmedDecision', {
      txnId: message.txnId,
      answeredResponseCode: '91',
      reason: 'deadline',
    });
    await expectBalance(card, 10_000n, 10_000n);
  });
});

describe('cards CLI', () => {
  async function cli(...argv: string[]): Promise<Record<string, unknown>> {
    const lines: string[] = [];
    const code = await runCardsCli(['--address', harness.address, ...argv], (line) =>
      lines.push(line),
    );
    expect(code).toBe(0);
    return JSON.parse(lines.join('')) as Record<string, unknown>;
  }

  it('opens, funds, issues, freezes and blocks gambling through the API', async () => {
    const account = await cli('open-account', 'GBP');
    const accountId = String(account['accountId']);
    const funded = await cli('fund', accountId, '2500');
    expect(funded['balance']).toMatchObject({ ledgerBalanceMinor: '2500' });
    const card = await cli('issue-card', accountId, '--last-four', '4321');
    const token = String(card['token']);
    expect(token).toMatch(/^\d{9}$/);
    expect((await cli('freeze', token))['status']).toBe(3);
    expect((await harness.send(purchase({ token, accountId }, 100n))).responseCode).toBe('62');
    expect((await cli('unfreeze', token))['status']).toBe(2);
    await cli('block-gambling', token);
    const gambling = purchase({ token, accountId }, 100n, { mcc: '7995' });
    expect((await harness.send(gambling)).responseCode).toBe('57');
  });

  it('prints usage and exits 2 for an unknown command', async () => {
    const lines: string[] = [];
    expect(
      await runCardsCli(['--address', harness.address, 'nope'], (line) => lines.push(line)),
    ).toBe(2);
    expect(lines.join('')).toContain('usage');
  });
});

describe('A33 ledger down', () => {
  it('fails fast without a hold, and a re-sent presentment posts once after recovery', async () => {
    const card = await harness.openCard();
    const auth = purchase(card, 1250n);
    await harness.send(auth);
    await harness.killLedger();
    const duringOutage = purchase(card, 1000n);
    const authOutcome = await harness.send(duringOutage, 2_000).then(
      () => 'answered',
      (error: unknown) => (isPlatformError(error) ? error.category : String(error)),
    );
    expect(['unavailable', 'timeout']).toContain(authOutcome);
    const clearing = presentment(card, auth.traceidLifecycle, 1250n);
    const clearingOutcome = await harness.send(clearing, 2_000).then(
      () => 'answered',
      (error: unknown) => (isPlatformError(error) ? error.category : String(error)),
    );
    expect(['unavailable', 'timeout']).toContain(clearingOutcome);
    await harness.restartLedger();
    // The processor re-sends until acknowledged; our ledger channel reconnects with backoff.
    let replayed = false;
    for (let attempt = 1; attempt <= 40 && !replayed; attempt += 1) {
      replayed = await harness.send(clearing, 2_000).then(
        (response) => response.acknowledged,
        async () => {
          await new Promise((resolve) => setTimeout(resolve, 250));
          return false;
        },
      );
    }
    expect(replayed).toBe(true);
    await harness.send(clearing);
    await expectBalance(card, 8_750n, 8_750n);
  });
});

// Runs last: everything the scenarios above published must satisfy the shared event contract,
// or its consumers (enrichment, feed) would dead-letter it.
describe('published events', () => {
  it('all match the envelope and the shared authorization transaction contract', () => {
    expect(harness.events.length).toBeGreaterThan(50);
    for (const event of harness.events) {
      expect(parseEnvelope(event).kind).toBe('parsed');
      const parsed = parseAuthorizationTransactionEvent(event.type, event.data);
      expect(parsed.kind === 'invalid' ? parsed.reason : 'parsed').toBe('parsed');
    }
  });
});
