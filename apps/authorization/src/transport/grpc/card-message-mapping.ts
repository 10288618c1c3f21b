import { authorizationV1 } from '@corebank/contracts-proto';
import { PlatformError } from '@corebank/platform-errors';

import type { CardMessage, CardMessageKind, MessageAmount } from '../../domain/card-message';
import type { CustomerBalance } from '../../ports/ledger-holds.port';
import type { CardMessageResult } from '../../application/process-card-message/process-card-message.command';

const Kind = authorizationV1.CardMessageKind;

const KIND_BY_WIRE: ReadonlyMap<authorizationV1.CardMessageKind, CardMessageKind> = new Map([
  [Kind.CARD_MESSAGE_KIND_AUTH_REQUESTED, 'auth_requested'],
  [Kind.CARD_MESSAGE_KIND_AUTH_REPEATED, 'auth_repeated'],
  [Kind.CARD_MESSAGE_KIND_FINANCIAL_REQUESTED, 'financial_requested'],
  [Kind.CARD_MESSAGE_KIND_AUTH_ADVISED, 'auth_advised'],
  [Kind.CARD_MESSAGE_KIND_AUTH_REVERSED, 'auth_reversed'],
  [Kind.CARD_MESSAGE_KIND_FINANCIAL_ADVISED, 'financial_advised'],
  [Kind.CARD_MESSAGE_KIND_FINANCIAL_REVERSED, 'financial_reversed'],
  [Kind.CARD_MESSAGE_KIND_AUTH_EXPIRED, 'auth_expired'],
  [Kind.CARD_MESSAGE_KIND_PRESENTED, 'presented'],
  [Kind.CARD_MESSAGE_KIND_RE_PRESENTED, 're_presented'],
  [Kind.CARD_MESSAGE_KIND_PRESENTMENT_REVERSED, 'presentment_reversed'],
  [Kind.CARD_MESSAGE_KIND_ADVICE_NOTIFICATION_IGNORED, 'advice_notification_ignored'],
  [Kind.CARD_MESSAGE_KIND_CHARGEBACK, 'chargeback'],
  [Kind.CARD_MESSAGE_KIND_CHARGEBACK_REVERSED, 'chargeback_reversed'],
  [Kind.CARD_MESSAGE_KIND_ACCOUNT_ADJUSTED, 'account_adjusted'],
  [Kind.CARD_MESSAGE_KIND_UNKNOWN, 'unknown'],
]);

/**
 * Decodes the gateway's command. A missing message or an unspecified kind is contract misuse by
 * the caller (INVALID_ARGUMENT); bad business data arrives flagged in `malformed` instead.
 */
export function cardMessageFromWire(
  request: authorizationV1.ProcessCardMessageRequest,
): CardMessage {
  const wire = request.message;
  if (wire === undefined) {
    throw new PlatformError('invalid.message_missing', 'message is required', { retryable: false });
  }
  const kind = KIND_BY_WIRE.get(wire.kind);
  if (kind === undefined) {
    throw new PlatformError('invalid.message_kind', 'message kind is unspecified', {
      retryable: false,
    });
  }
  const fees = [wire.feeFixed, wire.fxPad, wire.mccPad].reduce(
    (total, amount) => total + absolute(amount?.amountMinor ?? 0n),
    0n,
  );
  return {
    kind,
    mtid: wire.mtid.trim(),
    txnType: wire.txnType,
    txnId: wire.txnId,
    token: wire.token,
    traceidLifecycle: wire.traceidLifecycle,
    transLink: wire.transLink,
    authCode: wire.authCodeDe38,
    retrievalReferenceNumber: wire.retrievalReferenceNumber,
    matchingTxnId: wire.matchingTxnId,
    acquirerReferenceNumber: wire.acquirerReferenceNumber,
    sendingAttemptCount: wire.sendingAttemptCount,
    authorisedByProcessor: wire.authorisedByProcessor,
    txnStatCode: wire.txnStatCode,
    respCodeDe39: wire.respCodeDe39,
    procCode: wire.procCode,
    billAmount: amountFromWire(wire.billAmount),
    txnAmount: amountFromWire(wire.txnAmount),
    feesMinor: fees,
    mcc: wire.mcc,
    merchant: {
      name: wire.merchant?.name ?? '',
      city: wire.merchant?.city ?? '',
      region: wire.merchant?.region ?? '',
      country: wire.merchant?.country ?? '',
      merchantId: wire.merchant?.merchantId ?? '',
      terminalId: wire.merchant?.terminalId ?? '',
      nameLocationRaw: wire.merchant?.nameLocationRaw ?? '',
    },
    txnCountry: wire.txnCountry,
    posEntryMode: wire.pointOfSale?.posDataDe22 ?? '',
    processorTimestamp: wire.processorTimestamp,
    transmissionTimeDe07: wire.transmissionTimeDe07,
    receivedAtMs: Number(wire.receivedAtEpochMs),
    payloadHash: wire.payloadHash,
    malformedReason: wire.malformed?.reason ?? '',
  };
}

export function cardMessageResultToWire(
  result: CardMessageResult,
): authorizationV1.ProcessCardMessageResponse {
  return {
    responseCode: result.responseCode,
    acknowledged: result.acknowledged,
    ledgerBalance: balanceAmount(result.balance, 'ledger'),
    availableBalance: balanceAmount(result.balance, 'available'),
    billAmountApproved: undefined,
    decisionId: result.decisionId,
  };
}

function balanceAmount(
  balance: CustomerBalance | undefined,
  which: 'ledger' | 'available',
): authorizationV1.Amount | undefined {
  if (balance === undefined) {
    return undefined;
  }
  return {
    amountMinor: which === 'ledger' ? balance.ledgerBalanceMinor : balance.availableBalanceMinor,
    currencyCode: balance.currencyCode,
    subMinor: false,
    raw: '',
  };
}

function amountFromWire(amount: authorizationV1.Amount | undefined): MessageAmount {
  return { amountMinor: amount?.amountMinor ?? 0n, currencyCode: amount?.currencyCode ?? '' };
}

function absolute(value: bigint): bigint {
  return value < 0n ? -value : value;
}
