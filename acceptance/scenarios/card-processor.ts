import { randomInt } from 'node:crypto';

import { type Currency, formatDecimalAmount, lookupCurrency } from '@corebank/domain-money';

import {
  type EnvelopeFields,
  getTransactionEnvelope,
  PURCHASE_AUTHORIZATION_FIELDS,
} from '../support/get-transaction-envelope';
import { type GetTransactionReply, parseGetTransactionReply } from '../support/soap-reply';

/** The processor waits about 200 ms; a busy test machine gets more, a hung endpoint no more. */
const SOAP_CALL_TIMEOUT_MS = 10_000;
/**
 * A notification (presentment, reversal) answered without Acknowledgement 1 was not processed:
 * the processor sends it again, counting SendingAttemptCount up. Bounded, as the processor is.
 */
const NOTIFICATION_SENDS_MAX = 3;
const NOTIFICATION_RESEND_DELAY_MS = 200;
const ACKNOWLEDGED = '1';

/** One card payment's lifecycle as the processor identifies it across its messages. */
export interface CardPayment {
  readonly cardToken: string;
  readonly currency: Currency;
  /** Positive minor units the cardholder pays. */
  readonly amountMinor: bigint;
  /** DE43 merchant name (25 characters at most): unique per payment, so the feed item is found. */
  readonly merchantName: string;
  readonly authorizationTxnId: string;
  readonly traceidLifecycle: string;
  readonly retrievalReferenceNumber: string;
  readonly authCode: string;
}

/** Random start, so two probers or suites sending in the same second are unlikely to meet. */
let txnIdSequence = randomInt(0, 100_000);

/**
 * Processor message ids are digits: 8 of the epoch second and a 5-digit per-process sequence
 * (13 digits, shorter than a card number so log PAN scrubbing leaves them readable).
 */
function nextTxnId(now: Date): string {
  txnIdSequence = (txnIdSequence + 1) % 100_000;
  const second = Math.floor(now.getTime() / 1000) % 100_000_000;
  return `${String(second).padStart(8, '0')}${String(txnIdSequence).padStart(5, '0')}`;
}

function processorDate(at: Date): string {
  return at.toISOString().replace('T', ' ').replace('Z', '');
}

/** ISO 8583 DE07 `MMDDhhmmss` (GMT). */
function transmissionTime(at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

export function currencyOf(code: string): Currency {
  const lookup = lookupCurrency(code);
  if (lookup.kind !== 'currency') {
    throw new Error(`not a currency: ${code}`);
  }
  return lookup.currency;
}

/**
 * Sends GetTransaction messages to the SOAP endpoint as the card processor does: a 0100/A
 * authorisation request, then a 1240/P presentment or a 0400/D reversal matched to it, each with
 * every Appendix A element in order (acceptance/support/get-transaction-envelope.ts).
 */
export class CardProcessor {
  constructor(private readonly soapUrl: string) {}

  newPayment(
    cardToken: string,
    currencyCode: string,
    amountMinor: bigint,
    merchantName: string,
  ): CardPayment {
    const authorizationTxnId = nextTxnId(new Date());
    const day = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    return {
      cardToken,
      currency: currencyOf(currencyCode),
      amountMinor,
      merchantName: merchantName.slice(0, 25),
      authorizationTxnId,
      traceidLifecycle: `PRB1-${day}-${authorizationTxnId}`,
      retrievalReferenceNumber: authorizationTxnId.slice(-12),
      authCode: String(randomInt(100_000, 1_000_000)),
    };
  }

  /** 0100/A: the purchase we must decide. */
  authorize(payment: CardPayment): Promise<GetTransactionReply> {
    const at = new Date();
    return this.send({
      ...this.commonFields(payment, payment.authorizationTxnId, at),
      MTID: '0100',
      Txn_Type: 'A',
      Txn_Stat_Code: 'A',
      Bill_Amt: this.amountText(payment, -payment.amountMinor),
    });
  }

  /** 1240/P first presentment (clearing) of the whole authorised amount. */
  present(payment: CardPayment): Promise<GetTransactionReply> {
    const at = new Date();
    const txnId = nextTxnId(at);
    return this.sendNotification({
      ...this.commonFields(payment, txnId, at),
      MTID: '1240',
      Txn_Type: 'P',
      Txn_Stat_Code: 'C',
      Resp_Code_DE39: '00',
      Auth_Code_DE38: payment.authCode,
      Matching_Txn_ID: payment.authorizationTxnId,
      Acquirer_Reference_Data_031: `7${txnId}`.padEnd(23, '0'),
      Bill_Amt: this.amountText(payment, -payment.amountMinor),
    });
  }

  /** 0400/D full authorisation reversal: the merchant cancelled, the hold is released. */
  reverse(payment: CardPayment): Promise<GetTransactionReply> {
    const at = new Date();
    return this.sendNotification({
      ...this.commonFields(payment, nextTxnId(at), at),
      MTID: '0400',
      Txn_Type: 'D',
      Txn_Stat_Code: 'V',
      Resp_Code_DE39: '00',
      Auth_Code_DE38: payment.authCode,
      Bill_Amt: this.amountText(payment, payment.amountMinor),
    });
  }

  private amountText(payment: CardPayment, amountMinor: bigint): string {
    return formatDecimalAmount({ amountMinor, currency: payment.currency.code });
  }

  private commonFields(payment: CardPayment, txnId: string, at: Date): EnvelopeFields {
    return {
      ...PURCHASE_AUTHORIZATION_FIELDS,
      Token: payment.cardToken,
      TXn_ID: txnId,
      traceid_lifecycle: payment.traceidLifecycle,
      Ret_Ref_No_DE37: payment.retrievalReferenceNumber,
      Bill_Ccy: payment.currency.numericCode,
      Txn_CCy: payment.currency.numericCode,
      Txn_Amt: this.amountText(payment, payment.amountMinor),
      Merch_Name_DE43: `${payment.merchantName.padEnd(25, ' ')}LONDON       GB`,
      Txn_GPS_Date: processorDate(at),
      TXN_Time_DE07: transmissionTime(at),
    };
  }

  /** Sends a notification until acknowledged, at most NOTIFICATION_SENDS_MAX times; the last reply. */
  private async sendNotification(fields: EnvelopeFields): Promise<GetTransactionReply> {
    let reply = await this.send(fields);
    for (let attempt = 1; attempt < NOTIFICATION_SENDS_MAX; attempt += 1) {
      if (reply.acknowledgement === ACKNOWLEDGED) {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, NOTIFICATION_RESEND_DELAY_MS));
      reply = await this.send({ ...fields, SendingAttemptCount: String(attempt) });
    }
    return reply;
  }

  private async send(fields: EnvelopeFields): Promise<GetTransactionReply> {
    const response = await fetch(this.soapUrl, {
      method: 'POST',
      headers: {
        'content-type': 'text/xml; charset=utf-8',
        soapaction: '"http://tempuri.org/IEndpointVersion52/GetTransaction"',
      },
      body: getTransactionEnvelope(fields),
      signal: AbortSignal.timeout(SOAP_CALL_TIMEOUT_MS),
    });
    const body = await response.text();
    if (response.status !== 200) {
      throw new Error(`SOAP HTTP ${response.status}: ${body.slice(0, 300)}`);
    }
    return parseGetTransactionReply(body);
  }
}
