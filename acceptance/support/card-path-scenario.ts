import {
  countSqliteRows,
  findCardData,
  scanSqliteFiles,
  type SentCardData,
} from './card-data-scan';
import { CAPTURE_OVERFLOW_LINE } from './child-service';
import type { AcceptanceCard, CardPathServices } from './card-path-services';
import {
  type EnvelopeFields,
  getTransactionEnvelope,
  PURCHASE_AUTHORIZATION_FIELDS,
} from './get-transaction-envelope';
import { type GetTransactionReply, parseGetTransactionReply } from './soap-reply';

/** Formats minor units as the processor writes amounts: 4 decimals (§2.2 `AmountSigned(19,4)`). */
export function processorAmount(minor: bigint, exponent = 2): string {
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent).padEnd(4, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

/** A decide 0100/A purchase (debit) of `amountMinor` GBP pence on `card`, fresh TXn_ID. */
export function purchaseFields(
  services: CardPathServices,
  card: AcceptanceCard | undefined,
  amountMinor: bigint,
  overrides: EnvelopeFields = {},
): EnvelopeFields {
  const txnId = services.nextTxnId();
  return {
    ...PURCHASE_AUTHORIZATION_FIELDS,
    Token: card?.token ?? '999999999',
    TXn_ID: txnId,
    traceid_lifecycle: `VIS1-20261122-${txnId}`,
    Bill_Amt: processorAmount(-amountMinor),
    Txn_Amt: processorAmount(amountMinor),
    ...overrides,
  };
}

/** Sends one envelope built from `fields` and parses the GetTransactionResponse (HTTP 200). */
export async function sendGetTransaction(
  services: CardPathServices,
  fields: EnvelopeFields,
): Promise<GetTransactionReply> {
  const reply = await services.post(getTransactionEnvelope(fields));
  if (reply.status !== 200) {
    throw new Error(`HTTP ${reply.status}: ${reply.body.slice(0, 500)}`);
  }
  return parseGetTransactionReply(reply.body);
}

/**
 * Card data a misconfigured processor could send (S4): a PAN in free-text fields, CVV2, an
 * encrypted PIN block and the expiry date. Values are distinctive so a find is not chance.
 */
export const CARD_DATA_SENT: SentCardData = {
  pans: ['4929123456781234', '5412751234123456789'],
  cvvs: ['846'],
  pins: ['C7A9F1E2B3D40516'],
  expiryDates: ['0931'],
};

function cardDataFields(pan: string): EnvelopeFields {
  return {
    CVV2: CARD_DATA_SENT.cvvs[0],
    PIN: CARD_DATA_SENT.pins[0],
    PIN_Format: '01',
    PIN_Enc_Algorithm: '3DES',
    Expiry_Date: CARD_DATA_SENT.expiryDates[0],
    Note: `card ${pan} presented`,
    Txn_Desc: `PAN ${pan}`,
    Additional_Data_DE48: pan,
    Merch_Name: `SHOP ${pan}`,
    Merch_Name_DE43: `SHOP ${pan}`.padEnd(40, ' ').slice(0, 40),
    Merch_URL: `https://shop.example/?pan=${pan}`,
    Cust_Ref: pan,
  };
}

/**
 * Sends envelopes of several kinds (approved, declined, unknown card, malformed, presentment)
 * carrying card data, so every path that logs or stores something sees it.
 */
export async function sendCardDataEnvelopes(
  services: CardPathServices,
  card: AcceptanceCard,
): Promise<void> {
  for (const pan of CARD_DATA_SENT.pans) {
    const data = cardDataFields(pan);
    const approved = purchaseFields(services, card, 100n, data);
    await sendGetTransaction(services, approved);
    await sendGetTransaction(services, purchaseFields(services, card, 1_000_000n, data));
    await sendGetTransaction(services, purchaseFields(services, undefined, 100n, data));
    await sendGetTransaction(
      services,
      purchaseFields(services, card, 100n, { ...data, Bill_Amt: '12,50' }),
    );
    await sendGetTransaction(services, {
      ...purchaseFields(services, card, 100n, data),
      MTID: '1240',
      Txn_Type: 'P',
      traceid_lifecycle: approved.traceid_lifecycle ?? '',
    });
  }
}

/**
 * Stops the services (so every log line is flushed and every store closed), then scans every
 * captured log line and every text/blob value of every table of every SQLite store.
 */
export async function expectNoCardDataAtRest(services: CardPathServices): Promise<void> {
  await services.stop();
  const lines = services.allLogLines();
  // At least each process's "listening" line: a capture that saw nothing cannot pass.
  expect(new Set(lines.map((entry) => entry.service)).size).toBe(3);
  expect(lines.map((entry) => entry.line)).not.toContain(CAPTURE_OVERFLOW_LINE);
  const logFindings = lines.flatMap((entry) =>
    findCardData(entry.line, CARD_DATA_SENT, `log of ${entry.service}`),
  );
  expect(countSqliteRows(services.directory)).toBeGreaterThan(0);
  const storeFindings = scanSqliteFiles(services.directory, CARD_DATA_SENT);
  expect([...logFindings, ...storeFindings]).toEqual([]);
}
