import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { type Currency, formatDecimalAmount } from '@corebank/domain-money';

/** The pinned schema of GetTransaction in this repository's wsdl/ (CARD-PROCESSOR.md Appendix A). */
const GET_TRANSACTION_XSD_PATH = resolve(__dirname, '../../../../wsdl/ehi-get-transaction.xsd');

/** Every GetTransaction child in wire order, read from the XSD so messages follow the contract. */
export function readGetTransactionElements(xsdPath = GET_TRANSACTION_XSD_PATH): readonly string[] {
  const xsd = readFileSync(xsdPath, 'utf8');
  const start = xsd.indexOf('<xs:element name="GetTransaction">');
  const end = xsd.indexOf('</xs:element>', start);
  if (start < 0 || end < 0) {
    throw new Error(`no GetTransaction element in ${xsdPath}`);
  }
  return [...xsd.slice(start, end).matchAll(/<xs:element [^>]*name="([^"]+)"/g)]
    .map((match) => match[1] ?? '')
    .filter((name) => name !== 'GetTransaction');
}

function escapeXmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A SOAP 1.1 GetTransaction: every element present as the processor sends them, unset ones empty. */
export function getTransactionEnvelope(
  elements: readonly string[],
  fields: Readonly<Record<string, string>>,
): string {
  const unknown = Object.keys(fields).filter((name) => !elements.includes(name));
  if (unknown.length > 0) {
    throw new Error(`not GetTransaction elements: ${unknown.join(', ')}`);
  }
  const children = elements
    .map((name) => {
      const value = fields[name];
      return value === undefined || value === ''
        ? `<${name} />`
        : `<${name}>${escapeXmlText(value)}</${name}>`;
    })
    .join('');
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">' +
    `<s:Body><GetTransaction xmlns="http://tempuri.org/">${children}</GetTransaction></s:Body>` +
    '</s:Envelope>'
  );
}

export interface Merchant {
  readonly name: string;
  readonly city: string;
  /** ISO 3166 alpha-2 (DE43's last two characters, Visa layout). */
  readonly countryAlpha2: string;
  /** ISO 3166 alpha-3 (Txn_Ctry). */
  readonly countryAlpha3: string;
  readonly mcc: string;
}

/** One card payment's lifecycle as the processor identifies it. */
export interface PaymentLifecycle {
  readonly cardToken: string;
  readonly currency: Currency;
  /** Positive minor units the cardholder pays. */
  readonly amountMinor: bigint;
  readonly merchant: Merchant;
  readonly traceidLifecycle: string;
  readonly retrievalReferenceNumber: string;
  readonly authorizationTxnId: string;
  /** The processor's approval code for the lifecycle, repeated on its clearing and reversal. */
  readonly authCode: string;
  readonly startedAt: Date;
}

/** Random start so two CLI processes in the same second are unlikely to meet. */
let txnIdSequence = randomInt(0, 10_000);

/**
 * Processor message ids are digits: 8 of the epoch second (wrapping every ~3 years) and a 4-digit
 * per-process sequence, so one process can send 10 000 a second without repeating one. Twelve
 * digits like the processor's own, and short of card-number length, so log PAN scrubbing leaves
 * them readable.
 */
export function newProcessorTxnId(now: Date): string {
  txnIdSequence = (txnIdSequence + 1) % 10_000;
  const second = Math.floor(now.getTime() / 1000) % 100_000_000;
  return `${String(second).padStart(8, '0')}${String(txnIdSequence).padStart(4, '0')}`;
}

export function newPaymentLifecycle(
  input: Omit<
    PaymentLifecycle,
    'traceidLifecycle' | 'retrievalReferenceNumber' | 'authorizationTxnId' | 'authCode'
  >,
): PaymentLifecycle {
  const authorizationTxnId = newProcessorTxnId(input.startedAt);
  const day = input.startedAt.toISOString().slice(0, 10).replace(/-/g, '');
  return {
    ...input,
    authorizationTxnId,
    traceidLifecycle: `CLI1-${day}-${authorizationTxnId}`,
    retrievalReferenceNumber: authorizationTxnId.slice(-12),
    authCode: String(randomInt(100_000, 1_000_000)),
  };
}

/** `YYYY-MM-DD hh:mm:ss.fff`, without a zone, as the processor writes Txn_GPS_Date. */
function processorDate(at: Date): string {
  return at.toISOString().replace('T', ' ').replace('Z', '');
}

/** ISO 8583 DE07 `MMDDhhmmss` (GMT). */
function transmissionTime(at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

/** DE43 in the Visa layout: 25 name + 13 city + 2 country. */
function nameLocation(merchant: Merchant): string {
  return (
    merchant.name.slice(0, 25).padEnd(25, ' ') +
    merchant.city.slice(0, 13).padEnd(13, ' ') +
    merchant.countryAlpha2.slice(0, 2)
  );
}

function amountText(lifecycle: PaymentLifecycle, amountMinor: bigint): string {
  return formatDecimalAmount({ amountMinor, currency: lifecycle.currency.code });
}

/** Fields every message of the lifecycle carries. */
function commonFields(
  lifecycle: PaymentLifecycle,
  txnId: string,
  at: Date,
): Record<string, string> {
  return {
    Token: lifecycle.cardToken,
    TXn_ID: txnId,
    traceid_lifecycle: lifecycle.traceidLifecycle,
    Ret_Ref_No_DE37: lifecycle.retrievalReferenceNumber,
    Bill_Ccy: lifecycle.currency.numericCode,
    Txn_CCy: lifecycle.currency.numericCode,
    Txn_Amt: amountText(lifecycle, lifecycle.amountMinor),
    MCC_Code: lifecycle.merchant.mcc,
    Merch_Name_DE43: nameLocation(lifecycle.merchant),
    Merch_ID_DE42: 'CLIMERCHANT0001',
    POS_Termnl_DE41: 'CLITERM1',
    Acquirer_id_DE32: '12345678',
    Txn_Ctry: lifecycle.merchant.countryAlpha3,
    Proc_Code: '000000',
    Txn_GPS_Date: processorDate(at),
    TXN_Time_DE07: transmissionTime(at),
    Authorised_by_GPS: 'N',
    SendingAttemptCount: '0',
  };
}

/** 0100/A: the authorisation request we must decide (a purchase, contactless chip). */
export function authorizationRequestFields(lifecycle: PaymentLifecycle): Record<string, string> {
  return {
    ...commonFields(lifecycle, lifecycle.authorizationTxnId, lifecycle.startedAt),
    MTID: '0100',
    Txn_Type: 'A',
    Txn_Stat_Code: 'A',
    POS_Data_DE22: '0710',
    Bill_Amt: amountText(lifecycle, -lifecycle.amountMinor),
  };
}

/** 1240/P first presentment (clearing) of the whole authorised amount, matched to the auth. */
export function presentmentFields(lifecycle: PaymentLifecycle, at: Date): Record<string, string> {
  const txnId = newProcessorTxnId(at);
  return {
    ...commonFields(lifecycle, txnId, at),
    MTID: '1240',
    Txn_Type: 'P',
    Txn_Stat_Code: 'C',
    Resp_Code_DE39: '00',
    Auth_Code_DE38: lifecycle.authCode,
    Matching_Txn_ID: lifecycle.authorizationTxnId,
    Acquirer_Reference_Data_031: `7${txnId}`.padEnd(23, '0'),
    Bill_Amt: amountText(lifecycle, -lifecycle.amountMinor),
  };
}

/** 0400/D full authorisation reversal: the merchant cancelled, the hold is released. */
export function reversalFields(lifecycle: PaymentLifecycle, at: Date): Record<string, string> {
  return {
    ...commonFields(lifecycle, newProcessorTxnId(at), at),
    MTID: '0400',
    Txn_Type: 'D',
    Txn_Stat_Code: 'V',
    Resp_Code_DE39: '00',
    Auth_Code_DE38: lifecycle.authCode,
    Bill_Amt: amountText(lifecycle, lifecycle.amountMinor),
  };
}
