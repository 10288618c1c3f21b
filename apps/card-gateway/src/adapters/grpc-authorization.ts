/**
 * Authorization over gRPC (proto corebank.authorization.v1) through @corebank/platform-rpc, which
 * sets the deadline, propagates trace context, maps errors to PlatformError and runs the breaker.
 */
import { authorizationV1 } from '@corebank/contracts-proto';
import { lookupCurrency, type Money } from '@corebank/domain-money';
import { createRpcClient, type RpcClient, type RpcClientOptions } from '@corebank/platform-rpc';

import type {
  CardAmount,
  CardMessage,
  CardMessageKind,
  MerchantSource,
} from '../application/process-card-message/card-message.command';
import type { Authorization, CardMessageDecision } from '../ports/authorization.port';

type Definition = typeof authorizationV1.AuthorizationServiceService;

const KIND_TO_PROTO: Readonly<Record<CardMessageKind, authorizationV1.CardMessageKind>> = {
  auth_requested: authorizationV1.CardMessageKind.CARD_MESSAGE_KIND_AUTH_REQUESTED,
  auth_repeated: authorizationV1.CardMessageKind.CARD_MESSAGE_KIND_AUTH_REPEATED,
  financial_requested: authorizationV1.CardMessageKind.CARD_MESSAGE_KIND_FINANCIAL_REQUESTED,
  auth_advised: authorizationV1.CardMessageKind.CARD_MESSAGE_KIND_AUTH_ADVISED,
  auth_reversed: authorizationV1.CardMessageKind.CARD_MESSAGE_KIND_AUTH_REVERSED,
  financial_advised: authorizationV1.CardMessageKind.CARD_MESSAGE_KIND_FINANCIAL_ADVISED,
  financial_reversed: authorizationV1.CardMessageKind.CARD_MESSAGE_KIND_FINANCIAL_REVERSED,
  auth_expired: authorizationV1.CardMessageKind.CARD_MESSAGE_KIND_AUTH_EXPIRED,
  presented: authorizationV1.CardMessageKind.CARD_MESSAGE_KIND_PRESENTED,
  re_presented: authorizationV1.CardMessageKind.CARD_MESSAGE_KIND_RE_PRESENTED,
  presentment_reversed: authorizationV1.CardMessageKind.CARD_MESSAGE_KIND_PRESENTMENT_REVERSED,
  advice_notification_ignored:
    authorizationV1.CardMessageKind.CARD_MESSAGE_KIND_ADVICE_NOTIFICATION_IGNORED,
  chargeback: authorizationV1.CardMessageKind.CARD_MESSAGE_KIND_CHARGEBACK,
  chargeback_reversed: authorizationV1.CardMessageKind.CARD_MESSAGE_KIND_CHARGEBACK_REVERSED,
  account_adjusted: authorizationV1.CardMessageKind.CARD_MESSAGE_KIND_ACCOUNT_ADJUSTED,
  unknown: authorizationV1.CardMessageKind.CARD_MESSAGE_KIND_UNKNOWN,
};

const MERCHANT_SOURCE_TO_PROTO: Readonly<Record<MerchantSource, authorizationV1.MerchantSource>> = {
  merch_fields: authorizationV1.MerchantSource.MERCHANT_SOURCE_MERCH_FIELDS,
  de43_mastercard: authorizationV1.MerchantSource.MERCHANT_SOURCE_DE43_MASTERCARD,
  de43_visa: authorizationV1.MerchantSource.MERCHANT_SOURCE_DE43_VISA,
  de43_raw: authorizationV1.MerchantSource.MERCHANT_SOURCE_DE43_RAW,
  absent: authorizationV1.MerchantSource.MERCHANT_SOURCE_ABSENT,
};

export interface GrpcAuthorizationOptions {
  readonly address: string;
  readonly voidTimeoutMs: number;
  readonly voidAttemptCountMax: number;
  readonly voidBackoffInitialMs: number;
  readonly voidBackoffMaxMs: number;
  readonly channelOptions?: RpcClientOptions<Definition>['channelOptions'];
}

export class GrpcAuthorization implements Authorization {
  private readonly client: RpcClient<Definition>;

  constructor(private readonly options: GrpcAuthorizationOptions) {
    this.client = createRpcClient(authorizationV1.AuthorizationServiceClient, {
      address: options.address,
      defaultTimeoutMs: options.voidTimeoutMs,
      // ProcessCardMessage is idempotent on txn_id, but inside an 80 ms budget a retry only
      // steals time from the 91 answer; only the void, which has its own budget, is retried.
      idempotentMethods: ['voidUnconfirmedDecision'],
      retry: {
        attemptCountMax: options.voidAttemptCountMax,
        backoffInitialMs: options.voidBackoffInitialMs,
        backoffMaxMs: options.voidBackoffMaxMs,
      },
      channelOptions: options.channelOptions,
    });
  }

  async processCardMessage(message: CardMessage, timeoutMs: number): Promise<CardMessageDecision> {
    const response = await this.client.call(
      'processCardMessage',
      { message: toProtoMessage(message) },
      { timeoutMs },
    );
    return {
      responseCode: response.responseCode,
      acknowledged: response.acknowledged,
      ledgerBalance: fromProtoAmount(response.ledgerBalance),
      availableBalance: fromProtoAmount(response.availableBalance),
      billAmountApproved: fromProtoAmount(response.billAmountApproved),
      decisionId: response.decisionId,
    };
  }

  async voidUnconfirmedDecision(
    txnId: string,
    answeredResponseCode: string,
    reason: string,
  ): Promise<void> {
    await this.client.call(
      'voidUnconfirmedDecision',
      { txnId, answeredResponseCode, reason },
      { timeoutMs: this.options.voidTimeoutMs },
    );
  }

  close(): void {
    this.client.close();
  }
}

function toProtoAmount(amount: CardAmount | undefined): authorizationV1.Amount | undefined {
  return amount === undefined
    ? undefined
    : {
        amountMinor: amount.money.amountMinor,
        currencyCode: amount.money.currency,
        subMinor: amount.subMinor,
        raw: amount.raw,
      };
}

/** An amount in a currency we do not know cannot be formatted for the processor: treat as absent. */
function fromProtoAmount(amount: authorizationV1.Amount | undefined): Money | undefined {
  if (amount === undefined || amount.currencyCode === '') {
    return undefined;
  }
  const lookup = lookupCurrency(amount.currencyCode);
  return lookup.kind === 'currency'
    ? { amountMinor: amount.amountMinor, currency: lookup.currency.code }
    : undefined;
}

export function toProtoMessage(message: CardMessage): authorizationV1.CardMessage {
  return {
    kind: KIND_TO_PROTO[message.kind],
    mtid: message.mtid,
    txnType: message.txnType,
    txnId: message.txnId,
    token: message.token,
    traceidLifecycle: message.traceidLifecycle,
    transLink: message.transLink,
    authCodeDe38: message.authCodeDe38,
    retrievalReferenceNumber: message.retrievalReferenceNumber,
    matchingTxnId: message.matchingTxnId,
    acquirerReferenceNumber: message.acquirerReferenceNumber,
    networkTransactionId: message.networkTransactionId,
    sendingAttemptCount: message.sendingAttemptCount,
    authorisedByProcessor: message.authorisedByProcessor,
    txnStatCode: message.txnStatCode,
    respCodeDe39: message.respCodeDe39,
    procCode: message.procCode,
    statusCode: message.statusCode,
    billAmount: toProtoAmount(message.billAmount),
    txnAmount: toProtoAmount(message.txnAmount),
    settleAmount: toProtoAmount(message.settleAmount),
    feeFixed: toProtoAmount(message.feeFixed),
    feeRate: toProtoAmount(message.feeRate),
    fxPad: toProtoAmount(message.fxPad),
    mccPad: toProtoAmount(message.mccPad),
    mcc: message.mcc,
    merchant: {
      name: message.merchant.name,
      city: message.merchant.city,
      region: message.merchant.region,
      country: message.merchant.country,
      merchantId: message.merchant.merchantId,
      terminalId: message.merchant.terminalId,
      nameLocationRaw: message.merchant.nameLocationRaw,
      source: MERCHANT_SOURCE_TO_PROTO[message.merchant.source],
    },
    txnCountry: message.txnCountry,
    acquirerIdDe32: message.acquirerIdDe32,
    pointOfSale: {
      posDataDe22: message.posDataDe22,
      posDataDe61: message.posDataDe61,
      gpsPosData: message.gpsPosData,
      gpsPosCapability: message.gpsPosCapability,
    },
    processorTimestamp: message.processorTimestamp,
    transmissionTimeDe07: message.transmissionTimeDe07,
    posTimeDe12: message.posTimeDe12,
    authType: message.authType,
    authExpiryUtc: message.authExpiryUtc,
    receivedAtEpochMs: BigInt(message.receivedAt.getTime()),
    payloadHash: message.payloadHash,
    malformed:
      message.malformed === undefined
        ? undefined
        : { reason: message.malformed.reason, fields: [...message.malformed.fields] },
  };
}
