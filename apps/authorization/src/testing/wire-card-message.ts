import { authorizationV1 } from '@corebank/contracts-proto';

import type { CardMessage, CardMessageKind } from '../domain/card-message';

const Kind = authorizationV1.CardMessageKind;

const WIRE_KIND: Readonly<Record<CardMessageKind, authorizationV1.CardMessageKind>> = {
  auth_requested: Kind.CARD_MESSAGE_KIND_AUTH_REQUESTED,
  auth_repeated: Kind.CARD_MESSAGE_KIND_AUTH_REPEATED,
  financial_requested: Kind.CARD_MESSAGE_KIND_FINANCIAL_REQUESTED,
  auth_advised: Kind.CARD_MESSAGE_KIND_AUTH_ADVISED,
  auth_reversed: Kind.CARD_MESSAGE_KIND_AUTH_REVERSED,
  financial_advised: Kind.CARD_MESSAGE_KIND_FINANCIAL_ADVISED,
  financial_reversed: Kind.CARD_MESSAGE_KIND_FINANCIAL_REVERSED,
  auth_expired: Kind.CARD_MESSAGE_KIND_AUTH_EXPIRED,
  presented: Kind.CARD_MESSAGE_KIND_PRESENTED,
  re_presented: Kind.CARD_MESSAGE_KIND_RE_PRESENTED,
  presentment_reversed: Kind.CARD_MESSAGE_KIND_PRESENTMENT_REVERSED,
  advice_notification_ignored: Kind.CARD_MESSAGE_KIND_ADVICE_NOTIFICATION_IGNORED,
  chargeback: Kind.CARD_MESSAGE_KIND_CHARGEBACK,
  chargeback_reversed: Kind.CARD_MESSAGE_KIND_CHARGEBACK_REVERSED,
  account_adjusted: Kind.CARD_MESSAGE_KIND_ACCOUNT_ADJUSTED,
  unknown: Kind.CARD_MESSAGE_KIND_UNKNOWN,
};

function amount(minor: bigint, currencyCode: string): authorizationV1.Amount {
  return { amountMinor: minor, currencyCode, subMinor: false, raw: '' };
}

/** The gateway's wire form of a test message (what the card-gateway would send). */
export function wireCardMessage(message: CardMessage): authorizationV1.CardMessage {
  return {
    kind: WIRE_KIND[message.kind],
    mtid: message.mtid,
    txnType: message.txnType,
    txnId: message.txnId,
    token: message.token,
    traceidLifecycle: message.traceidLifecycle,
    transLink: message.transLink,
    authCodeDe38: message.authCode,
    retrievalReferenceNumber: message.retrievalReferenceNumber,
    matchingTxnId: message.matchingTxnId,
    acquirerReferenceNumber: message.acquirerReferenceNumber,
    networkTransactionId: '',
    sendingAttemptCount: message.sendingAttemptCount,
    authorisedByProcessor: message.authorisedByProcessor,
    txnStatCode: message.txnStatCode,
    respCodeDe39: message.respCodeDe39,
    procCode: message.procCode,
    statusCode: '',
    billAmount: amount(message.billAmount.amountMinor, message.billAmount.currencyCode),
    txnAmount: amount(message.txnAmount.amountMinor, message.txnAmount.currencyCode),
    settleAmount: undefined,
    feeFixed:
      message.feesMinor === 0n
        ? undefined
        : amount(message.feesMinor, message.billAmount.currencyCode),
    feeRate: undefined,
    fxPad: undefined,
    mccPad: undefined,
    mcc: message.mcc,
    merchant: {
      ...message.merchant,
      source: authorizationV1.MerchantSource.MERCHANT_SOURCE_MERCH_FIELDS,
    },
    txnCountry: message.txnCountry,
    acquirerIdDe32: '',
    pointOfSale: {
      posDataDe22: message.posEntryMode,
      posDataDe61: '',
      gpsPosData: '',
      gpsPosCapability: '',
    },
    processorTimestamp: message.processorTimestamp,
    transmissionTimeDe07: message.transmissionTimeDe07,
    posTimeDe12: '',
    authType: '',
    authExpiryUtc: '',
    receivedAtEpochMs: BigInt(message.receivedAtMs),
    payloadHash: message.payloadHash,
    malformed:
      message.malformedReason === '' ? undefined : { reason: message.malformedReason, fields: [] },
  };
}
