import { UNKNOWN_ACCOUNT_KEY } from '@corebank/domain-transaction-events';

import { type AcceptanceCard, CardPathServices, eventData } from '../support/card-path-services';
import {
  expectNoCardDataAtRest,
  purchaseFields,
  sendCardDataEnvelopes,
  sendGetTransaction,
} from '../support/card-path-scenario';
import type { EnvelopeFields } from '../support/get-transaction-envelope';
import { getTransactionEnvelope } from '../support/get-transaction-envelope';
import { parseGetTransactionReply } from '../support/soap-reply';
import { validateRepliesAgainstWsdl } from '../support/wsdl-schema-validation';

// Decide messages through the real SOAP endpoint (CARD-PROCESSOR.md §11): ledger, authorization
// and card-gateway run as child processes once for this file; each scenario opens its own
// customer with 100.00 GBP unless stated, so scenarios never share balances.
jest.setTimeout(120_000);

let services: CardPathServices;

beforeAll(async () => {
  services = await CardPathServices.start();
});

afterAll(async () => {
  await services?.stop();
  services?.removeDirectory();
});

const AUTHORIZED = 'authorization.transaction.authorized.v1';
const DECLINED = 'authorization.transaction.declined.v1';

function purchase(card: AcceptanceCard | undefined, amountMinor: bigint, overrides = {}) {
  return purchaseFields(services, card, amountMinor, overrides);
}

function send(fields: EnvelopeFields) {
  return sendGetTransaction(services, fields);
}

function txnIdOf(fields: EnvelopeFields): string {
  return fields.TXn_ID ?? '';
}

/** The balance the bank reports and the customer's own ledger account agree. */
async function expectBalances(card: AcceptanceCard, ledger: bigint, available: bigint) {
  expect(await services.cardBalance(card)).toEqual({ ledger, available });
  expect(await services.ledgerBalance(card)).toEqual({ ledger, available });
}

describe('A01 a purchase on an active card is approved and holds the amount', () => {
  it('answers 00 with balances after the hold and publishes an authorized event', async () => {
    const card = await services.openCard();
    const message = purchase(card, 1250n);
    const reply = await send(message);
    expect(reply).toMatchObject({
      responseStatus: '00',
      acknowledgement: '1',
      curBalance: '100.00',
      avlBalance: '87.50',
    });
    await expectBalances(card, 10_000n, 8_750n);
    const events = await services.eventsFor(txnIdOf(message));
    expect(events.map((event) => event.type)).toEqual([AUTHORIZED]);
    expect(events[0]?.key).toBe(card.accountId);
    expect(eventData(events[0])).toMatchObject({
      holdChangeMinor: '1250',
      responseCode: '00',
      mcc: '5999',
    });
  });
});

describe('A02 a purchase above the available balance is declined', () => {
  it('answers 51, holds nothing and publishes a decline with its reason', async () => {
    const card = await services.openCard();
    const message = purchase(card, 15_000n);
    const reply = await send(message);
    expect(reply).toMatchObject({ responseStatus: '51', acknowledgement: '1' });
    expect(reply.avlBalance).toBe('100.00');
    await expectBalances(card, 10_000n, 10_000n);
    const events = await services.eventsFor(txnIdOf(message));
    expect(events.map((event) => event.type)).toEqual([DECLINED]);
    expect(events[0]?.key).toBe(card.accountId);
    expect(eventData(events[0])['declineReason']).toBe('insufficient_funds');
  });
});

describe('A03 a card the customer froze is declined until unfrozen', () => {
  it('answers 62 with no hold while frozen, 00 right after unfreezing', async () => {
    const card = await services.openCard();
    await services.cards.call('freezeCard', { token: card.token });
    const frozen = purchase(card, 1250n);
    expect(await send(frozen)).toMatchObject({ responseStatus: '62', acknowledgement: '1' });
    await expectBalances(card, 10_000n, 10_000n);
    const events = await services.eventsFor(txnIdOf(frozen));
    expect(events[0]?.type).toBe(DECLINED);
    expect(events[0]?.key).toBe(card.accountId);
    await services.cards.call('unfreezeCard', { token: card.token });
    expect((await send(purchase(card, 1250n))).responseStatus).toBe('00');
    await expectBalances(card, 10_000n, 8_750n);
  });
});

describe('A04 a token we never issued is an invalid card', () => {
  it('answers 14 and publishes a decline keyed to no account', async () => {
    const message = purchase(undefined, 1250n, { Token: '900000001' });
    expect(await send(message)).toMatchObject({ responseStatus: '14', acknowledgement: '1' });
    const events = await services.eventsFor(txnIdOf(message));
    expect(events.map((event) => event.type)).toEqual([DECLINED]);
    expect(events[0]?.key).toBe(UNKNOWN_ACCOUNT_KEY);
    expect(eventData(events[0])['accountId']).toBe('');
  });
});

describe('A05 a card past its expiry in our records is declined', () => {
  it('answers 54 and holds nothing', async () => {
    const card = await services.openCard({ expiryMonth: '2020-01' });
    const message = purchase(card, 100n);
    expect(await send(message)).toMatchObject({ responseStatus: '54', acknowledgement: '1' });
    await expectBalances(card, 10_000n, 10_000n);
    expect((await services.eventsFor(txnIdOf(message)))[0]?.type).toBe(DECLINED);
  });
});

describe('A06 gambling blocked by the customer', () => {
  it('declines MCC 7995 with 57 and still approves groceries', async () => {
    const card = await services.openCard({
      controls: {
        blockedMccGroups: ['gambling'],
        perTransactionLimitMinor: 0n,
        dailyLimitMinor: 0n,
        cardNotPresentBlocked: false,
        blockedCountries: [],
      },
    });
    const casino = purchase(card, 100n, { MCC_Code: '7995' });
    expect((await send(casino)).responseStatus).toBe('57');
    expect((await services.eventsFor(txnIdOf(casino)))[0]?.type).toBe(DECLINED);
    expect((await send(purchase(card, 100n, { MCC_Code: '5411' }))).responseStatus).toBe('00');
    await expectBalances(card, 10_000n, 9_900n);
  });
});

describe('A07 the processor delivers one authorization many times', () => {
  it('20 concurrent and 2 sequential copies: identical answers, one hold, one event', async () => {
    const card = await services.openCard();
    const message = purchase(card, 1250n);
    const replies = await Promise.all(Array.from({ length: 20 }, () => send(message)));
    replies.push(await send(message), await send(message));
    expect(new Set(replies.map((reply) => reply.responseStatus))).toEqual(new Set(['00']));
    expect(new Set(replies.map((reply) => reply.acknowledgement))).toEqual(new Set(['1']));
    await expectBalances(card, 10_000n, 8_750n);
    await services.eventsFor(txnIdOf(message));
    // A wrongly duplicated event would arrive within the relay's interval; wait a few before counting.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await services.eventsFor(txnIdOf(message))).toHaveLength(1);
  });
});

describe('A08 the same TXn_ID arrives again with a different amount', () => {
  it('replays the stored answer, changes nothing and raises txn_id_conflict', async () => {
    const card = await services.openCard();
    const message = purchase(card, 1250n);
    await send(message);
    const conflicting = { ...message, Bill_Amt: '-50.0000', Txn_Amt: '50.0000' };
    expect(await send(conflicting)).toMatchObject({ responseStatus: '00', acknowledgement: '1' });
    await expectBalances(card, 10_000n, 8_750n);
    expect(await services.eventsFor(txnIdOf(message))).toHaveLength(1);
    const alert = services.authorization.logLines.find(
      (line) => line.includes('txn_id_conflict') && line.includes(txnIdOf(message)),
    );
    expect(alert).toBeDefined();
  });
});

describe('A09 the processor timed us out and declined what we had approved', () => {
  it('releases our hold on its advice (Authorised_by_GPS=Y, Txn_Stat_Code=I)', async () => {
    const card = await services.openCard();
    const message = purchase(card, 1250n);
    await send(message);
    const advice = {
      ...message,
      SendingAttemptCount: '1',
      Authorised_by_GPS: 'Y',
      Txn_Stat_Code: 'I',
    };
    const reply = await send(advice);
    expect(reply).toMatchObject({ acknowledgement: '1', avlBalance: '100.00' });
    await send(advice);
    await expectBalances(card, 10_000n, 10_000n);
  });
});

describe('A10 the processor stood in for a message we never saw', () => {
  it('holds the amount even beyond the balance and flags stand_in', async () => {
    const card = await services.openCard();
    const message = purchase(card, 15_000n, {
      SendingAttemptCount: '1',
      Authorised_by_GPS: 'Y',
      Txn_Stat_Code: 'A',
    });
    const reply = await send(message);
    expect(reply).toMatchObject({ acknowledgement: '1', avlBalance: '-50.00' });
    expect(await services.cardBalance(card)).toEqual({ ledger: 10_000n, available: -5_000n });
    const events = await services.eventsFor(txnIdOf(message));
    expect(events[0]?.key).toBe(card.accountId);
    expect(eventData(events[0])['flags']).toContain('stand_in');
  });
});

describe('A11 the card network stood in and advises us', () => {
  it('an approved advice replaces the hold with its amount; a declined one releases it', async () => {
    const card = await services.openCard();
    const auth = purchase(card, 1250n);
    await send(auth);
    const advice = (respCode: string) =>
      purchase(card, 2000n, {
        MTID: '0120',
        Txn_Type: 'J',
        Resp_Code_DE39: respCode,
        Authorised_by_GPS: 'Y',
        traceid_lifecycle: auth.traceid_lifecycle,
      });
    const approved = advice('00');
    expect(await send(approved)).toMatchObject({ acknowledgement: '1', avlBalance: '80.00' });
    await expectBalances(card, 10_000n, 8_000n);
    expect((await services.eventsFor(txnIdOf(approved)))[0]?.key).toBe(card.accountId);
    expect((await send(advice('05'))).acknowledgement).toBe('1');
    await expectBalances(card, 10_000n, 10_000n);
  });
});

describe('A12 an incremental authorization on the same lifecycle', () => {
  it('adds to the hold; a declined increment keeps the earlier holds', async () => {
    const card = await services.openCard();
    const auth = purchase(card, 1250n);
    await send(auth);
    const increment = purchase(card, 3000n, { traceid_lifecycle: auth.traceid_lifecycle });
    expect(await send(increment)).toMatchObject({ responseStatus: '00', avlBalance: '57.50' });
    await expectBalances(card, 10_000n, 5_750n);
    const tooLarge = purchase(card, 9000n, { traceid_lifecycle: auth.traceid_lifecycle });
    expect((await send(tooLarge)).responseStatus).toBe('51');
    await expectBalances(card, 10_000n, 5_750n);
    expect(eventData((await services.eventsFor(txnIdOf(tooLarge)))[0])['declineReason']).toBe(
      'insufficient_funds',
    );
  });
});

describe('A25 balance enquiry and account verification', () => {
  it('answer 00 with balances and hold nothing; on a frozen card 62', async () => {
    const card = await services.openCard();
    const enquiry = purchase(card, 0n, { Proc_Code: '300000' });
    expect(await send(enquiry)).toMatchObject({
      responseStatus: '00',
      acknowledgement: '1',
      curBalance: '100.00',
      avlBalance: '100.00',
    });
    const verification = purchase(card, 0n, { Proc_Code: '390000' });
    expect((await send(verification)).responseStatus).toBe('00');
    await expectBalances(card, 10_000n, 10_000n);
    await services.cards.call('freezeCard', { token: card.token });
    expect((await send(purchase(card, 0n, { Proc_Code: '300000' }))).responseStatus).toBe('62');
  });
});

describe('A26 a Visa 0101 repeat of an earlier authorization', () => {
  it('replays the original answer without a second hold; an unmatched repeat is a new auth', async () => {
    const card = await services.openCard();
    const original = purchase(card, 1250n, {
      Ret_Ref_No_DE37: 'RRN000000026',
      TXN_Time_DE07: '1122101010',
    });
    expect((await send(original)).responseStatus).toBe('00');
    const repeat = purchase(card, 1250n, {
      MTID: '0101',
      Ret_Ref_No_DE37: 'RRN000000026',
      TXN_Time_DE07: '1122101010',
    });
    expect((await send(repeat)).responseStatus).toBe('00');
    await expectBalances(card, 10_000n, 8_750n);
    const unmatched = purchase(card, 1000n, { MTID: '0101', Ret_Ref_No_DE37: 'RRN000000099' });
    expect((await send(unmatched)).responseStatus).toBe('00');
    await expectBalances(card, 10_000n, 7_750n);
  });
});

describe('A27 amounts in currencies with other exponents and odd spellings', () => {
  it('holds JPY 1500.0000 as 1500 yen and formats balances without decimals', async () => {
    const card = await services.openCard({ currencyCode: 'JPY', fundMinor: 10_000n });
    const reply = await send(
      purchase(card, 0n, {
        Bill_Amt: '-1500.0000',
        Bill_Ccy: '392',
        Txn_Amt: '1500.0000',
        Txn_CCy: '392',
      }),
    );
    expect(reply).toMatchObject({ responseStatus: '00', curBalance: '10000', avlBalance: '8500' });
    await expectBalances(card, 10_000n, 8_500n);
  });

  it('holds KWD 1.2340 as 1234 fils and rounds a sub-minor 1.2345 hold up to 1235', async () => {
    const card = await services.openCard({ currencyCode: 'KWD', fundMinor: 5_000n });
    const kwd = { Bill_Ccy: '414', Txn_CCy: '414' };
    const exact = await send(
      purchase(card, 0n, { ...kwd, Bill_Amt: '-1.2340', Txn_Amt: '1.2340' }),
    );
    expect(exact).toMatchObject({ responseStatus: '00', curBalance: '5.000', avlBalance: '3.766' });
    const subMinor = await send(
      purchase(card, 0n, { ...kwd, Bill_Amt: '-1.2345', Txn_Amt: '1.2345' }),
    );
    expect(subMinor).toMatchObject({ responseStatus: '00', avlBalance: '2.531' });
    await expectBalances(card, 5_000n, 2_531n);
  });

  it('parses 12.5 and -0.0001 (held as one penny, away from zero)', async () => {
    const card = await services.openCard();
    expect(
      (await send(purchase(card, 0n, { Bill_Amt: '-12.5', Txn_Amt: '12.5' }))).avlBalance,
    ).toBe('87.50');
    expect(
      (await send(purchase(card, 0n, { Bill_Amt: '-0.0001', Txn_Amt: '0.0001' }))).avlBalance,
    ).toBe('87.49');
    await expectBalances(card, 10_000n, 8_749n);
  });

  it.each(['-1e3', '-12,50', 'NaN'])(
    'declines Bill_Amt %s as a format error 30',
    async (amount) => {
      const card = await services.openCard();
      const message = purchase(card, 0n, { Bill_Amt: amount });
      expect(await send(message)).toMatchObject({ responseStatus: '30', acknowledgement: '1' });
      await expectBalances(card, 10_000n, 10_000n);
      expect((await services.eventsFor(txnIdOf(message)))[0]?.type).toBe(DECLINED);
    },
  );
});

describe('A32 a well-formed authorization with unusable business data', () => {
  it('without TXn_ID answers 30, Ack 1, and holds nothing', async () => {
    const card = await services.openCard();
    const response = await services.post(
      getTransactionEnvelope(purchase(card, 1250n), { omit: ['TXn_ID'] }),
    );
    expect(response.status).toBe(200);
    expect(parseGetTransactionReply(response.body)).toMatchObject({
      responseStatus: '30',
      acknowledgement: '1',
    });
    await expectBalances(card, 10_000n, 10_000n);
  });

  it('with Bill_Ccy 999 answers 30, Ack 1, and holds nothing', async () => {
    const card = await services.openCard();
    const message = purchase(card, 1250n, { Bill_Ccy: '999' });
    expect(await send(message)).toMatchObject({ responseStatus: '30', acknowledgement: '1' });
    await expectBalances(card, 10_000n, 10_000n);
  });
});

describe('A34 the reply has the exact shape the processor requires', () => {
  it('GetTransactionResponse in http://tempuri.org/, every WSDL result field in order, no null, schema-valid (lxml)', async () => {
    const wsdl = await services.getWsdl();
    expect(wsdl.status).toBe(200);
    const sequence = /name="EndpointResponse52"[\s\S]*?<\/xs:sequence>/.exec(wsdl.body)?.[0] ?? '';
    const wsdlFields = [...sequence.matchAll(/<xs:element [^>]*name="([^"]+)"/g)].map(
      (match) => match[1],
    );
    expect(wsdlFields).toHaveLength(10);
    const card = await services.openCard();
    const messages = {
      approved: purchase(card, 1250n),
      declined: purchase(card, 50_000n),
      unknownCard: purchase(undefined, 100n),
      formatError: purchase(card, 100n, { Bill_Amt: 'NaN' }),
      presentment: purchase(card, 1250n, { MTID: '05  ', Txn_Type: 'P' }),
    };
    const bodies: Record<string, string> = {};
    for (const [name, fields] of Object.entries(messages)) {
      const response = await services.post(getTransactionEnvelope(fields));
      expect(response.status).toBe(200);
      bodies[name] = response.body;
    }
    const replies = Object.values(bodies).map(parseGetTransactionReply);
    for (const reply of replies) {
      expect(reply.responseElement).toMatchObject({
        localName: 'GetTransactionResponse',
        namespace: 'http://tempuri.org/',
      });
      expect(reply.responseElement.children[0]).toMatchObject({
        localName: 'GetTransactionResult',
        namespace: 'http://tempuri.org/',
      });
      expect(reply.resultFields.map(([name]) => name)).toEqual(wsdlFields);
      for (const [name, value] of reply.resultFields) {
        expect({ name, value }).not.toEqual({ name, value: 'null' });
        expect({ name, empty: value === '' }).toEqual({ name, empty: false });
      }
      expect(reply.responseStatus).toMatch(/^\d{2}$/);
      expect(reply.acknowledgement).toMatch(/^[01]$/);
    }
    expect(replies[0]).toMatchObject({ curBalance: '100.00', avlBalance: '87.50' });
    expect(replies[3]?.curBalance).toMatch(/^-?\d+(\.\d{2})?$/);
    const verdicts = await validateRepliesAgainstWsdl(wsdl.body, bodies);
    expect(Object.keys(verdicts).sort()).toEqual(Object.keys(messages).sort());
    for (const [name, verdict] of Object.entries(verdicts)) {
      expect({ name, ...verdict }).toEqual({
        name,
        tag: '{http://tempuri.org/}GetTransactionResponse',
        valid: true,
        errors: '',
      });
    }
  });
});

describe('A36 merchant names in the DE43 layouts of each network', () => {
  it('splits Mastercard 22/13/3 and Visa 25/13/2 and strips control characters', async () => {
    const card = await services.openCard();
    const mastercard = purchase(card, 100n, {
      Merch_Name_DE43: 'ROBLOX CORPORATION     888-858-2569  CA',
      traceid_lifecycle: `MCC1-20261122-${services.nextTxnId()}`,
    });
    const visa = purchase(card, 100n, {
      Merch_Name_DE43: `${'CORNER\u0085 SHOP'.padEnd(25, ' ')}${'LONDON'.padEnd(13, ' ')}GB`,
    });
    for (const message of [mastercard, visa]) {
      expect((await send(message)).responseStatus).toBe('00');
    }
    expect(eventData((await services.eventsFor(txnIdOf(mastercard)))[0])['merchant']).toMatchObject(
      {
        name: 'ROBLOX CORPORATION',
        city: '888-858-2569',
        region: 'CA',
      },
    );
    const visaMerchant = eventData((await services.eventsFor(txnIdOf(visa)))[0])['merchant'];
    expect(visaMerchant).toMatchObject({ name: 'CORNER SHOP', city: 'LONDON', country: 'GB' });
    expect(JSON.stringify(visaMerchant)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
});

// Runs last: it stops the services to read their logs and stores whole.
describe('no card data at rest', () => {
  it('no PAN, CVV, PIN or expiry date sent in envelopes appears in any log line or stored record', async () => {
    const card = await services.openCard();
    await sendCardDataEnvelopes(services, card);
    await expectNoCardDataAtRest(services);
  });
});
