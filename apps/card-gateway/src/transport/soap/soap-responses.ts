/**
 * The only two shapes the gateway writes: GetTransactionResponse (CARD-PROCESSOR.md §3) and a
 * SOAP 1.1 Fault (§8 class 1). Strings are built directly: every value is either a fixed code
 * or a decimal we formatted, so nothing needs escaping, and the element order is fixed here once.
 */
import { formatDecimalAmount, type CurrencyCode, type Money } from '@corebank/domain-money';

import type { CardMessageReply } from '../../application/process-card-message/process-card-message.use-case';

export const TEMPURI_NAMESPACE = 'http://tempuri.org/';
const RESPONSE_CODE_PATTERN = /^[0-9A-Z]{2}$/;

/** Every result field in WSDL order (wsdl/ehi-get-transaction.xsd, EndpointResponse52). */
export function getTransactionResponseXml(
  reply: CardMessageReply,
  billCurrency: CurrencyCode | undefined,
): string {
  // A code we do not recognise would be sent to the card network as is: fail closed to 96.
  const responseCode = RESPONSE_CODE_PATTERN.test(reply.responseCode) ? reply.responseCode : '96';
  const balance = (value: Money | undefined): string => {
    if (value !== undefined) {
      return formatDecimalAmount(value);
    }
    return billCurrency === undefined
      ? '0'
      : formatDecimalAmount({ amountMinor: 0n, currency: billCurrency });
  };
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>' +
    `<GetTransactionResponse xmlns="${TEMPURI_NAMESPACE}"><GetTransactionResult>` +
    `<Responsestatus>${responseCode}</Responsestatus>` +
    `<CurBalance>${balance(reply.ledgerBalance)}</CurBalance>` +
    `<AvlBalance>${balance(reply.availableBalance)}</AvlBalance>` +
    `<Acknowledgement>${reply.acknowledged ? 1 : 0}</Acknowledgement>` +
    '<LoadAmount>0</LoadAmount>' +
    `<Bill_Amt_Approved>${reply.billAmountApproved === undefined ? '0' : formatDecimalAmount(reply.billAmountApproved)}</Bill_Amt_Approved>` +
    '<Update_Balance>0</Update_Balance>' +
    '<New_Balance_Sequence_Exthost>0</New_Balance_Sequence_Exthost>' +
    '<CurBalance_GPS_STIP>0</CurBalance_GPS_STIP>' +
    '<AvlBalance_GPS_STIP>0</AvlBalance_GPS_STIP>' +
    '</GetTransactionResult></GetTransactionResponse></s:Body></s:Envelope>'
  );
}

/** Fault strings are constants chosen by us: input is never echoed (§8). */
export type FaultReason =
  | 'request rejected'
  | 'request too large'
  | 'unsupported content type'
  | 'unknown operation'
  | 'unauthenticated'
  | 'not found';

export function soapFaultXml(faultString: FaultReason): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>' +
    `<faultcode>s:Client</faultcode><faultstring>${faultString}</faultstring>` +
    '</s:Fault></s:Body></s:Envelope>'
  );
}
