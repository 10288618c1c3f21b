/**
 * GetTransaction fields -> typed CardMessage (CARD-PROCESSOR.md §2.1–§2.3). Pure: the caller
 * passes the receive time. Bad business data never throws: it yields a message with `malformed`
 * set, so authorization can record the decline (decide kinds, code 30) or quarantine it.
 *
 * Never read: CVV2, PIN*, Expiry_Date (scrubbed, §2.2) and the processor's own balances.
 */
import { createHash } from 'node:crypto';

import {
  type CurrencyCode,
  lookupCurrencyByNumericCode,
  parseDecimalAmount,
  type SubMinorRounding,
} from '@corebank/domain-money';
import { parseMcc } from '@corebank/domain-merchant';

import type {
  CardAmount,
  CardMerchant,
  CardMessage,
  CardMessageKind,
  MalformedReason,
} from '../../../application/process-card-message/card-message.command';
import { isDecideKind } from '../../../application/process-card-message/card-message.command';
import { networkOfLifecycle, parseDe43 } from './merchant-de43';
import { cleanText } from './text-hygiene';

const SECRET_FIELD = /^(CVV2|Expiry_Date|PIN.*)$/;
/** Left out of the payload hash: a re-send of the same message differs only in these (§6.1). */
const RESEND_COUNTER_FIELDS = new Set(['SendingAttemptCount']);
const PAN_LIKE_DIGIT_RUN = /\d{13,19}/g;
const IDENTIFIER_LENGTH_MAX = 64;
const MERCHANT_TEXT_LENGTH_MAX = 64;
const SENDING_ATTEMPT_COUNT_MAX = 1000;

const PRESENTMENT_MTIDS = new Set(['1240', '05', '06', '07']);
const PRESENTMENT_REVERSAL_MTIDS = new Set(['1240', '25', '26', '27']);
const ADJUSTMENT_TYPES = new Set(['L', 'U', 'B', 'G', 'Y', 'P']);

/** §2.1: trimmed MTID x Txn_Type. */
export function kindOf(mtid: string, txnType: string): CardMessageKind {
  switch (txnType) {
    case 'A':
      if (mtid === '0100') {
        return 'auth_requested';
      }
      if (mtid === '0101') {
        return 'auth_repeated';
      }
      return PRESENTMENT_MTIDS.has(mtid) ? 'advice_notification_ignored' : 'unknown';
    case 'M':
      return mtid === '0200' ? 'financial_requested' : 'unknown';
    case 'J':
      return mtid === '0120' ? 'auth_advised' : 'unknown';
    case 'D':
      return mtid === ''
        ? 'auth_expired'
        : ['0120', '0400', '0420'].includes(mtid)
          ? 'auth_reversed'
          : 'unknown';
    case 'Q':
      return mtid === '0220' ? 'financial_advised' : 'unknown';
    case 'V':
      return mtid === '0420' ? 'financial_reversed' : 'unknown';
    case 'P':
      if (mtid === '') {
        return 'account_adjusted';
      }
      return PRESENTMENT_MTIDS.has(mtid) ? 'presented' : 'unknown';
    case 'N':
      return PRESENTMENT_MTIDS.has(mtid) ? 're_presented' : 'unknown';
    case 'E':
      return PRESENTMENT_REVERSAL_MTIDS.has(mtid) ? 'presentment_reversed' : 'unknown';
    case 'C':
    case 'H':
      return mtid === '1240' ? 'chargeback' : 'unknown';
    case 'K':
      return mtid === '1240' ? 'chargeback_reversed' : 'unknown';
    default:
      return mtid === '' && ADJUSTMENT_TYPES.has(txnType) ? 'account_adjusted' : 'unknown';
  }
}

/** Kinds that move money and so must carry Bill_Amt and Bill_Ccy. */
const BILL_AMOUNT_REQUIRED: ReadonlySet<CardMessageKind> = new Set([
  'auth_requested',
  'auth_repeated',
  'financial_requested',
  'auth_advised',
  'auth_reversed',
  'financial_advised',
  'financial_reversed',
  'presented',
  're_presented',
  'presentment_reversed',
]);

export interface CardMessageInput {
  readonly fields: ReadonlyMap<string, string>;
  /** Fields that were duplicated or structured: unusable, treated as invalid when we read them. */
  readonly ambiguousFields: ReadonlySet<string>;
  readonly receivedAt: Date;
}

class Problems {
  private readonly byReason = new Map<string, string[]>();

  add(reason: string, field: string): void {
    const fields = this.byReason.get(reason) ?? [];
    fields.push(field);
    this.byReason.set(reason, fields);
  }

  /** The first problem found names the reason; all offending fields are listed. */
  summary(): MalformedReason | undefined {
    const first = this.byReason.entries().next();
    if (first.done === true) {
      return undefined;
    }
    const fields = [...new Set([...this.byReason.values()].flat())];
    return { reason: first.value[0], fields };
  }
}

export function mapCardMessage(input: CardMessageInput): CardMessage {
  const problems = new Problems();
  const field = (name: string): string => {
    if (input.ambiguousFields.has(name)) {
      problems.add('ambiguous_field', name);
      return '';
    }
    return input.fields.get(name) ?? '';
  };
  const identifier = (name: string, pattern: RegExp = /^[\x21-\x7e]*$/): string => {
    const value = field(name).trim();
    if (value.length > IDENTIFIER_LENGTH_MAX || !pattern.test(value)) {
      problems.add(`invalid_${name.toLowerCase()}`, name);
      return '';
    }
    return value;
  };

  const mtid = identifier('MTID', /^\d{0,4}$/);
  const txnType = identifier('Txn_Type', /^[A-Z]?$/);
  const kind = kindOf(mtid, txnType);
  const txnId = identifier('TXn_ID', /^\d{0,16}$/);
  if (txnId === '') {
    problems.add('missing_txn_id', 'TXn_ID');
  }
  const token = identifier('Token', /^\d{0,16}$/);
  if (token === '' && kind !== 'unknown') {
    problems.add('missing_token', 'Token');
  }
  const procCode = identifier('Proc_Code', /^(\d{6})?$/);
  if (procCode === '' && isDecideKind(kind)) {
    problems.add('missing_proc_code', 'Proc_Code');
  }

  const billText = field('Bill_Amt').trim();
  const isCredit = !billText.startsWith('-') && /[1-9]/.test(billText);
  const rounding: SubMinorRounding = isCredit ? 'toward_zero' : 'away_from_zero';
  const billCurrency = currency(field('Bill_Ccy').trim(), 'Bill_Ccy', problems);
  const billAmount = amount(billText, 'Bill_Amt', billCurrency, rounding, problems);
  if (BILL_AMOUNT_REQUIRED.has(kind) && (billAmount === undefined || billCurrency === undefined)) {
    problems.add('missing_bill_amount', billAmount === undefined ? 'Bill_Amt' : 'Bill_Ccy');
  }
  if (procCode.startsWith('20') && billAmount !== undefined && billAmount.money.amountMinor < 0n) {
    problems.add('amount_sign_mismatch', 'Bill_Amt');
  }
  const txnCurrency = currency(field('Txn_CCy').trim(), 'Txn_CCy', problems);
  const txnAmount = amount(field('Txn_Amt').trim(), 'Txn_Amt', txnCurrency, rounding, problems);
  if (isDecideKind(kind) && (txnAmount === undefined || txnCurrency === undefined)) {
    problems.add('missing_txn_amount', txnAmount === undefined ? 'Txn_Amt' : 'Txn_CCy');
  }
  const settleCurrency = currency(field('Settle_Ccy').trim(), 'Settle_Ccy', problems);
  const settleAmount = amount(
    field('Settle_Amt').trim(),
    'Settle_Amt',
    settleCurrency,
    rounding,
    problems,
  );
  // Fees and padding are charges in the billing currency: rounded like holds.
  const fee = (name: string): CardAmount | undefined =>
    amount(field(name).trim(), name, billCurrency, 'away_from_zero', problems);

  const mccText = field('MCC_Code').trim();
  if (mccText !== '' && parseMcc(mccText).kind !== 'mcc') {
    problems.add('invalid_mcc_code', 'MCC_Code');
  }

  const sendingAttemptText = field('SendingAttemptCount').trim();
  let sendingAttemptCount = 0;
  if (sendingAttemptText !== '') {
    const parsed = /^\d{1,4}$/.test(sendingAttemptText) ? Number(sendingAttemptText) : Number.NaN;
    if (Number.isNaN(parsed) || parsed > SENDING_ATTEMPT_COUNT_MAX) {
      problems.add('invalid_sendingattemptcount', 'SendingAttemptCount');
    } else {
      sendingAttemptCount = parsed;
    }
  }
  const authorisedByGps = identifier('Authorised_by_GPS', /^[YN]?$/);
  const traceidLifecycle = identifier('traceid_lifecycle');

  return {
    kind,
    mtid,
    txnType,
    txnId,
    token,
    traceidLifecycle,
    transLink: identifier('Trans_link'),
    authCodeDe38: identifier('Auth_Code_DE38'),
    retrievalReferenceNumber: identifier('Ret_Ref_No_DE37'),
    matchingTxnId: identifier('Matching_Txn_ID', /^\d{0,16}$/),
    acquirerReferenceNumber: identifier('Acquirer_Reference_Data_031'),
    networkTransactionId: identifier('Network_Transaction_ID'),
    sendingAttemptCount,
    authorisedByProcessor: authorisedByGps === 'Y',
    txnStatCode: identifier('Txn_Stat_Code', /^[ACISV]?$/),
    respCodeDe39: identifier('Resp_Code_DE39', /^[0-9A-Za-z]{0,2}$/),
    procCode,
    statusCode: identifier('Status_Code', /^[0-9A-Za-z]{0,2}$/),
    billAmount,
    txnAmount,
    settleAmount,
    feeFixed: fee('Fee_Fixed'),
    feeRate: fee('Fee_Rate'),
    fxPad: fee('FX_Pad'),
    mccPad: fee('MCC_Pad'),
    mcc: mccText !== '' && parseMcc(mccText).kind === 'mcc' ? mccText : '',
    merchant: merchantOf(field, traceidLifecycle),
    txnCountry: identifier('Txn_Ctry', /^[A-Za-z0-9]{0,3}$/),
    acquirerIdDe32: identifier('Acquirer_id_DE32'),
    posDataDe22: identifier('POS_Data_DE22'),
    posDataDe61: identifier('POS_Data_DE61'),
    gpsPosData: identifier('GPS_POS_Data'),
    gpsPosCapability: identifier('GPS_POS_Capability'),
    processorTimestamp: cleanText(field('Txn_GPS_Date'), IDENTIFIER_LENGTH_MAX),
    transmissionTimeDe07: identifier('TXN_Time_DE07', /^\d{0,10}$/),
    posTimeDe12: identifier('POS_Time_DE12', /^\d{0,6}$/),
    authType: identifier('auth_type'),
    authExpiryUtc: cleanText(field('auth_expdate_utc'), IDENTIFIER_LENGTH_MAX),
    receivedAt: input.receivedAt,
    payloadHash: payloadHashOf(input.fields),
    malformed: problems.summary(),
  };
}

function currency(text: string, name: string, problems: Problems): CurrencyCode | undefined {
  if (text === '') {
    return undefined;
  }
  const lookup = lookupCurrencyByNumericCode(text);
  if (lookup.kind !== 'currency') {
    problems.add(`invalid_${name.toLowerCase()}`, name);
    return undefined;
  }
  return lookup.currency.code;
}

function amount(
  text: string,
  name: string,
  currencyCode: CurrencyCode | undefined,
  rounding: SubMinorRounding,
  problems: Problems,
): CardAmount | undefined {
  if (text === '') {
    return undefined;
  }
  if (currencyCode === undefined) {
    // An amount without a usable currency cannot be typed; the currency problem names why.
    problems.add('amount_without_currency', name);
    return undefined;
  }
  const parsed = parseDecimalAmount(text, currencyCode, rounding);
  if (parsed.kind !== 'amount') {
    problems.add(`invalid_${name.toLowerCase()}`, name);
    return undefined;
  }
  return { money: parsed.money, subMinor: parsed.subMinor, raw: text };
}

/** Free merchant text can hide a card number keyed by an acquirer: never forward one. */
function withoutPanLikeRuns(text: string): string {
  return text.replace(PAN_LIKE_DIGIT_RUN, '[redacted]');
}

function merchantOf(field: (name: string) => string, traceidLifecycle: string): CardMerchant {
  const text = (name: string): string =>
    withoutPanLikeRuns(cleanText(field(name), MERCHANT_TEXT_LENGTH_MAX));
  const rawDe43 = field('Merch_Name_DE43');
  const nameLocationRaw = withoutPanLikeRuns(cleanText(rawDe43, MERCHANT_TEXT_LENGTH_MAX));
  const merchantId = text('Merch_ID_DE42');
  const terminalId = text('POS_Termnl_DE41');
  const merchName = text('Merch_Name');
  if (merchName !== '') {
    return {
      name: merchName,
      city: text('Merch_City'),
      region: text('Merch_Region'),
      country: text('Merch_Country'),
      merchantId,
      terminalId,
      nameLocationRaw,
      source: 'merch_fields',
    };
  }
  if (rawDe43.trim() === '') {
    return {
      name: '',
      city: '',
      region: '',
      country: '',
      merchantId,
      terminalId,
      nameLocationRaw,
      source: 'absent',
    };
  }
  const parsed = parseDe43(rawDe43, networkOfLifecycle(traceidLifecycle));
  return {
    name: withoutPanLikeRuns(parsed.name),
    city: withoutPanLikeRuns(parsed.city),
    region: parsed.region,
    country: parsed.layout === 'visa' ? parsed.region : '',
    merchantId,
    terminalId,
    nameLocationRaw,
    source:
      parsed.layout === 'mastercard'
        ? 'de43_mastercard'
        : parsed.layout === 'visa'
          ? 'de43_visa'
          : 'de43_raw',
  };
}

/** SHA-256 over the fields as sent, sorted by name, secrets and the resend counter excluded. */
export function payloadHashOf(fields: ReadonlyMap<string, string>): string {
  const hash = createHash('sha256');
  for (const name of [...fields.keys()].sort()) {
    if (SECRET_FIELD.test(name) || RESEND_COUNTER_FIELDS.has(name)) {
      continue;
    }
    hash
      .update(name)
      .update('\u0000')
      .update(fields.get(name) ?? '')
      .update('\u0000');
  }
  return hash.digest('hex');
}
