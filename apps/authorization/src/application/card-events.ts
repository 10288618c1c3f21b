import {
  type AuthorizationTransactionDataJson,
  type AuthorizationTransactionEventType,
  TRANSACTION_TOPICS,
  UNKNOWN_ACCOUNT_KEY,
} from '@corebank/domain-transaction-events';
import type { IdGenerator } from '@corebank/platform-ids';

import type { CardMessage } from '../domain/card-message';
import type { OutboxEntry } from '../ports/authorization-store.port';

export const TRANSACTIONS_TOPIC = TRANSACTION_TOPICS.authorization;

/** Event types on TRANSACTIONS_TOPIC, from the shared contract (@corebank/domain-transaction-events). */
export type TransactionEventType = AuthorizationTransactionEventType;

export interface TransactionEventDetails {
  readonly type: TransactionEventType;
  readonly accountId: string;
  readonly decisionId: string;
  readonly responseCode: string;
  readonly declineReason: string;
  readonly lifecycleId: string;
  /** Change of the customer's holds (negative: released). */
  readonly holdChangeMinor: bigint;
  /** Posted to the customer (negative: debit, positive: credit). */
  readonly postedMinor: bigint;
  readonly flags: readonly string[];
  /** The account is a test account (OpenAccount test_account): the event says so. */
  readonly testAccount?: boolean;
}

/**
 * Builds the outbox entry of one event. The payload carries the raw merchant fields, amounts,
 * any decline reason and the trace context, so downstream services never call back.
 */
export function transactionEvent(
  ids: IdGenerator,
  shardCount: number,
  occurredAtMs: number,
  message: CardMessage,
  traceparent: string | undefined,
  details: TransactionEventDetails,
): OutboxEntry {
  const key = details.accountId === '' ? UNKNOWN_ACCOUNT_KEY : details.accountId;
  // Typed with the shared contract's JSON form, so a payload its consumers would dead-letter
  // fails to compile here.
  const data: AuthorizationTransactionDataJson = {
    // A malformed message may lack its TXn_ID; the contract needs a non-empty id to key on.
    txnId: message.txnId === '' ? `hash-${message.payloadHash}` : message.txnId,
    decisionId: details.decisionId,
    lifecycleId: details.lifecycleId,
    messageKind: message.kind,
    mtid: message.mtid,
    txnType: message.txnType,
    cardToken: message.token,
    accountId: details.accountId,
    responseCode: details.responseCode,
    declineReason: details.declineReason,
    billAmountMinor: message.billAmount.amountMinor.toString(),
    billCurrency: message.billAmount.currencyCode,
    txnAmountMinor: message.txnAmount.amountMinor.toString(),
    txnCurrency: message.txnAmount.currencyCode,
    holdChangeMinor: details.holdChangeMinor.toString(),
    postedMinor: details.postedMinor.toString(),
    mcc: message.mcc,
    merchant: {
      name: message.merchant.name,
      city: message.merchant.city,
      region: message.merchant.region,
      country: message.merchant.country,
      merchantId: message.merchant.merchantId,
      terminalId: message.merchant.terminalId,
      nameLocationRaw: message.merchant.nameLocationRaw,
    },
    txnCountry: message.txnCountry,
    processorTimestamp: message.processorTimestamp,
    receivedAt: new Date(message.receivedAtMs).toISOString(),
    flags: [...details.flags],
    ...(details.testAccount === true ? { testAccount: true } : {}),
  };
  const entryId = ids.nextBigInt();
  return {
    shard: shardOf(key, shardCount),
    entryId,
    topic: TRANSACTIONS_TOPIC,
    envelope: {
      id: entryId.toString(),
      type: details.type,
      version: 1,
      occurredAt: new Date(occurredAtMs).toISOString(),
      key,
      ...(traceparent === undefined || traceparent === '' ? {} : { traceparent }),
      data: { ...data, merchant: { ...data.merchant }, flags: [...data.flags] },
    },
  };
}

/**
 * One account's events always land in the same outbox shard, and the relay publishes a shard in
 * entry order, so per-account order survives the outbox.
 */
export function shardOf(key: string, shardCount: number): number {
  let hash = 0;
  for (let index = 0; index < key.length; index += 1) {
    hash = (hash * 31 + key.charCodeAt(index)) >>> 0;
  }
  return hash % shardCount;
}
