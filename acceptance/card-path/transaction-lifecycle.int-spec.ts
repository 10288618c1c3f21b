import { type AcceptanceCard, CardPathServices, eventData } from '../support/card-path-services';
import {
  expectNoCardDataAtRest,
  processorAmount,
  purchaseFields,
  sendCardDataEnvelopes,
  sendGetTransaction,
} from '../support/card-path-scenario';
import type { EnvelopeFields } from '../support/get-transaction-envelope';

// Notifications after a decision (CARD-PROCESSOR.md §5, §6, §11 A13–A24) through the real SOAP
// endpoint: reversals, expiry, presentments, refunds, clearing reversals and chargebacks. The
// three services run as child processes once for this file; each scenario has its own customer.
jest.setTimeout(120_000);

let services: CardPathServices;

beforeAll(async () => {
  services = await CardPathServices.start();
});

afterAll(async () => {
  await services?.stop();
  services?.removeDirectory();
});

function send(fields: EnvelopeFields) {
  return sendGetTransaction(services, fields);
}

function txnIdOf(fields: EnvelopeFields): string {
  return fields.TXn_ID ?? '';
}

async function expectBalances(card: AcceptanceCard, ledger: bigint, available: bigint) {
  expect(await services.cardBalance(card)).toEqual({ ledger, available });
  expect(await services.ledgerBalance(card)).toEqual({ ledger, available });
}

/** An approved 0100/A purchase; returns its fields so later messages can share its lifecycle. */
async function authorize(card: AcceptanceCard, amountMinor: bigint, overrides = {}) {
  const auth = purchaseFields(services, card, amountMinor, overrides);
  expect((await send(auth)).responseStatus).toBe('00');
  return auth;
}

/** A notification on `card`: amount signed as the processor sends it (negative = debit). */
function notification(
  card: AcceptanceCard,
  kind: { readonly MTID: string; readonly Txn_Type: string },
  billMinor: bigint,
  overrides: EnvelopeFields = {},
): EnvelopeFields {
  return purchaseFields(services, card, 0n, {
    ...kind,
    Bill_Amt: processorAmount(billMinor),
    Txn_Amt: processorAmount(billMinor < 0n ? -billMinor : billMinor),
    traceid_lifecycle: '',
    ...overrides,
  });
}

const REVERSAL = { MTID: '0400', Txn_Type: 'D' };
/** Visa clearing MTIDs are two digits padded with two spaces (§2.1). */
const PRESENTMENT = { MTID: '05  ', Txn_Type: 'P' };

async function expectAcknowledged(fields: EnvelopeFields) {
  expect(await send(fields)).toMatchObject({ responseStatus: '00', acknowledgement: '1' });
}

async function flagsOf(fields: EnvelopeFields): Promise<unknown> {
  return eventData((await services.eventsFor(txnIdOf(fields)))[0])['flags'];
}

describe('A13 a full reversal whose billing amount differs by a penny of FX', () => {
  it('releases the whole lifecycle hold because Txn_Amt equals the original', async () => {
    const card = await services.openCard();
    const auth = await authorize(card, 1250n);
    const reversal = notification(card, REVERSAL, 1249n, {
      Txn_Amt: '12.5000',
      traceid_lifecycle: auth.traceid_lifecycle,
    });
    await expectAcknowledged(reversal);
    await expectBalances(card, 10_000n, 10_000n);
    const events = await services.eventsFor(txnIdOf(reversal));
    expect(events[0]?.type).toBe('authorization.transaction.reversed.v1');
    expect(events[0]?.key).toBe(card.accountId);
    expect(eventData(events[0])['holdChangeMinor']).toBe('-1250');
  });
});

describe('A14 a partial reversal, then a reversal of more than is held', () => {
  it('holds 7.50, then 0 (never negative), and flags over_reversal', async () => {
    const card = await services.openCard();
    const auth = await authorize(card, 1250n);
    const lifecycle = { traceid_lifecycle: auth.traceid_lifecycle };
    await expectAcknowledged(notification(card, REVERSAL, 500n, lifecycle));
    await expectBalances(card, 10_000n, 9_250n);
    const over = notification(card, REVERSAL, 2000n, lifecycle);
    await expectAcknowledged(over);
    await expectBalances(card, 10_000n, 10_000n);
    expect(await flagsOf(over)).toContain('over_reversal');
  });
});

describe('A15 the same reversal delivered twice', () => {
  it('releases once', async () => {
    const card = await services.openCard();
    const auth = await authorize(card, 1250n);
    const partial = notification(card, REVERSAL, 500n, {
      traceid_lifecycle: auth.traceid_lifecycle,
    });
    await expectAcknowledged(partial);
    await expectAcknowledged(partial);
    await expectBalances(card, 10_000n, 9_250n);
    expect(await services.eventsFor(txnIdOf(partial))).toHaveLength(1);
  });
});

describe('A16 a reversal for a lifecycle we never saw', () => {
  it('is acknowledged, changes no balance and is stored as an orphan', async () => {
    const card = await services.openCard();
    const orphan = notification(card, REVERSAL, 500n, {
      traceid_lifecycle: 'VIS1-20261122-never-authorized',
    });
    await expectAcknowledged(orphan);
    await expectBalances(card, 10_000n, 10_000n);
    expect(await flagsOf(orphan)).toContain('orphan_reversal');
  });
});

describe('A17 the processor expires an authorization after partial clearing', () => {
  it('releases what is still held', async () => {
    const card = await services.openCard();
    const auth = await authorize(card, 1250n);
    const lifecycle = { traceid_lifecycle: auth.traceid_lifecycle };
    await expectAcknowledged(notification(card, PRESENTMENT, -660n, lifecycle));
    await expectBalances(card, 9_340n, 8_750n);
    const expiry = notification(card, { MTID: '', Txn_Type: 'D' }, 0n, lifecycle);
    await expectAcknowledged(expiry);
    await expectBalances(card, 9_340n, 9_340n);
    expect((await services.eventsFor(txnIdOf(expiry)))[0]?.type).toBe(
      'authorization.transaction.expired.v1',
    );
  });
});

describe('A18 a presentment equal to the authorization', () => {
  it('turns the hold into a posted debit of 12.50', async () => {
    const card = await services.openCard();
    const auth = await authorize(card, 1250n);
    const clearing = notification(card, PRESENTMENT, -1250n, {
      traceid_lifecycle: auth.traceid_lifecycle,
    });
    expect(await send(clearing)).toMatchObject({
      responseStatus: '00',
      acknowledgement: '1',
      curBalance: '87.50',
      avlBalance: '87.50',
    });
    await expectBalances(card, 8_750n, 8_750n);
    const events = await services.eventsFor(txnIdOf(clearing));
    expect(events[0]?.type).toBe('authorization.transaction.settled.v1');
    expect(events[0]?.key).toBe(card.accountId);
    expect(eventData(events[0])).toMatchObject({ postedMinor: '-1250', holdChangeMinor: '-1250' });
  });
});

describe('A19 a presentment above the authorization (a tip)', () => {
  it('posts the full 15.00, releases the hold and flags over_clearing', async () => {
    const card = await services.openCard();
    const auth = await authorize(card, 1250n);
    const tip = notification(card, PRESENTMENT, -1500n, {
      traceid_lifecycle: auth.traceid_lifecycle,
    });
    await expectAcknowledged(tip);
    await expectBalances(card, 8_500n, 8_500n);
    expect(await flagsOf(tip)).toContain('over_clearing');
  });
});

describe('A20 two partial presentments on one lifecycle (split shipment)', () => {
  it('matches each; the hold goes 12.50 → 5.90 → 0', async () => {
    const card = await services.openCard();
    const auth = await authorize(card, 1250n);
    const lifecycle = { traceid_lifecycle: auth.traceid_lifecycle };
    await expectAcknowledged(notification(card, PRESENTMENT, -660n, lifecycle));
    await expectBalances(card, 9_340n, 8_750n);
    const second = notification(card, PRESENTMENT, -590n, lifecycle);
    await expectAcknowledged(second);
    await expectBalances(card, 8_750n, 8_750n);
    expect(await flagsOf(second)).not.toContain('force_post');
  });
});

describe('A21 an offline purchase: dummy advice, then a presentment with no authorization', () => {
  it('ignores the dummy, force-posts 8.00 into a balance of 5.00 and flags force_post', async () => {
    const card = await services.openCard({ fundMinor: 500n });
    await expectAcknowledged(notification(card, { MTID: '05  ', Txn_Type: 'A' }, -800n));
    await expectBalances(card, 500n, 500n);
    const forced = notification(card, PRESENTMENT, -800n);
    expect(await send(forced)).toMatchObject({
      acknowledgement: '1',
      curBalance: '-3.00',
      avlBalance: '-3.00',
    });
    expect(await services.cardBalance(card)).toEqual({ ledger: -300n, available: -300n });
    // The customer's own ledger account never goes below zero: the shortfall is drawn from its
    // overdraft account, which is why the reported balance is negative.
    expect(await services.ledgerBalance(card)).toEqual({ ledger: 0n, available: 0n });
    expect(await flagsOf(forced)).toContain('force_post');
  });
});

describe('A22 a refund: authorized without credit, credited once on presentment', () => {
  it('answers 00 with no credit, credits 20.00 on the 06/P, ignores its duplicate', async () => {
    const card = await services.openCard();
    const refundAuth = purchaseFields(services, card, 0n, {
      Proc_Code: '200000',
      Bill_Amt: '20.0000',
      Txn_Amt: '20.0000',
    });
    expect(await send(refundAuth)).toMatchObject({ responseStatus: '00', avlBalance: '100.00' });
    await expectBalances(card, 10_000n, 10_000n);
    const credit = notification(card, { MTID: '06  ', Txn_Type: 'P' }, 2000n, {
      Proc_Code: '200000',
    });
    await expectAcknowledged(credit);
    await expectAcknowledged(credit);
    await expectBalances(card, 12_000n, 12_000n);
    const events = await services.eventsFor(txnIdOf(credit));
    expect(events.map((event) => event.type)).toEqual(['authorization.transaction.credited.v1']);
  });
});

describe('A23 a clearing reversal of a presentment', () => {
  it('credits 12.50 matched by ARN once; a negative amount is quarantined', async () => {
    const card = await services.openCard();
    const auth = await authorize(card, 1250n);
    await expectAcknowledged(
      notification(card, PRESENTMENT, -1250n, {
        traceid_lifecycle: auth.traceid_lifecycle,
        Acquirer_Reference_Data_031: '74987506329000000000023',
      }),
    );
    await expectBalances(card, 8_750n, 8_750n);
    const clearingReversal = notification(card, { MTID: '25  ', Txn_Type: 'E' }, 1250n, {
      Acquirer_Reference_Data_031: '74987506329000000000023',
    });
    await expectAcknowledged(clearingReversal);
    await expectAcknowledged(clearingReversal);
    await expectBalances(card, 10_000n, 10_000n);
    const negative = notification(card, { MTID: '25  ', Txn_Type: 'E' }, -1250n, {
      Acquirer_Reference_Data_031: '74987506329000000000023',
    });
    expect((await send(negative)).acknowledgement).toBe('1');
    await expectBalances(card, 10_000n, 10_000n);
    expect(await flagsOf(negative)).toContain('quarantined');
  });
});

describe('A24 a chargeback and its reversal', () => {
  it('records and acknowledges both without posting anything', async () => {
    const card = await services.openCard();
    const auth = await authorize(card, 1250n);
    await expectAcknowledged(
      notification(card, PRESENTMENT, -1250n, { traceid_lifecycle: auth.traceid_lifecycle }),
    );
    for (const txnType of ['C', 'K']) {
      const message = notification(card, { MTID: '1240', Txn_Type: txnType }, 1250n, {
        traceid_lifecycle: auth.traceid_lifecycle,
      });
      await expectAcknowledged(message);
      await expectAcknowledged(message);
      const events = await services.eventsFor(txnIdOf(message));
      expect(events.map((event) => event.type)).toEqual(['authorization.transaction.recorded.v1']);
      expect(events[0]?.key).toBe(card.accountId);
    }
    await expectBalances(card, 8_750n, 8_750n);
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
