import type { IdGenerator } from '@corebank/platform-ids';
import type { JsonValue } from '@corebank/platform-storage';

import type { CardMessage } from '../domain/card-message';
import type { OutboxEntry } from '../ports/authorization-store.port';

export const TRANSACTIONS_TOPIC = 'authorization.transactions.v1';

/** Event types on TRANSACTIONS_TOPIC (ARCHITECTURE §7, STYLE §4 naming). */
export type TransactionEventType =
  | 'authorization.transaction.authorized.v1'
  | 'authorization.transaction.declined.v1'
  | 'authorization.transaction.reversed.v1'
  | 'authorization.transaction.expired.v1'
  | 'authorization.transaction.advised.v1'
  | 'authorization.transaction.settled.v1'
  | 'authorization.transaction.credited.v1'
  | 'authorization.transaction.adjusted.v1'
  | 'authorization.transaction.recorded.v1';

/** Events of an unknown card still need a partition key; they share this one. */
export const UNKNOWN_ACCOUNT_KEY = 'unknown-account';

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
  const data: JsonValue = {
    txnId: message.txnId,
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
      data,
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
