import { z } from 'zod';

import { MCC_GROUP_NAMES, type MccGroup } from '@corebank/domain-merchant';
import type { EventEnvelope } from '@corebank/platform-event-bus';
import type { JsonValue } from '@corebank/platform-storage';

import type { Card } from '../domain/card';
import type { Lifecycle } from '../domain/lifecycle';
import type { ProcessedMessage } from '../domain/processed-message';
import type { CustomerAccount } from '../ports/authorization-store.port';

// Amounts are stored as decimal strings inside JSON: JSON numbers lose precision past 2^53.
const minor = z
  .string()
  .regex(/^-?\d+$/)
  .transform((text) => BigInt(text));

const cardSchema = z.object({
  token: z.string(),
  accountId: z.string(),
  lastFour: z.string(),
  expiryMonth: z.string(),
  status: z.enum(['not_activated', 'active', 'frozen', 'lost', 'stolen', 'closed']),
  currencyCode: z.string(),
  product: z.object({
    productCode: z.string(),
    cashWithdrawalAllowed: z.boolean(),
    cardNotPresentAllowed: z.boolean(),
    holdIncludesFees: z.boolean(),
  }),
  controls: z.object({
    blockedMccGroups: z.array(z.string()),
    perTransactionLimitMinor: minor,
    dailyLimitMinor: minor,
    cardNotPresentBlocked: z.boolean(),
    blockedCountries: z.array(z.string()),
  }),
  testAccount: z.boolean().optional(),
});

export function cardToJson(card: Card): JsonValue {
  return {
    ...card,
    product: { ...card.product },
    controls: {
      ...card.controls,
      blockedMccGroups: [...card.controls.blockedMccGroups],
      blockedCountries: [...card.controls.blockedCountries],
      perTransactionLimitMinor: card.controls.perTransactionLimitMinor.toString(),
      dailyLimitMinor: card.controls.dailyLimitMinor.toString(),
    },
  };
}

export function cardFromJson(value: unknown): Card {
  const parsed = cardSchema.parse(value);
  return {
    ...parsed,
    controls: {
      ...parsed.controls,
      blockedMccGroups: parsed.controls.blockedMccGroups.filter(isMccGroup),
    },
  };
}

function isMccGroup(name: string): name is MccGroup {
  return (MCC_GROUP_NAMES as readonly string[]).includes(name);
}

const accountSchema = z.object({
  accountId: z.string(),
  overdraftAccountId: z.string(),
  currencyCode: z.string(),
  customerReference: z.string(),
  openedAtMs: z.number(),
  testAccount: z.boolean().optional(),
});

export function accountToJson(account: CustomerAccount): JsonValue {
  return { ...account };
}

export function accountFromJson(value: unknown): CustomerAccount {
  return accountSchema.parse(value);
}

const holdSchema = z.object({ transferId: z.string(), amountMinor: minor });

const lifecycleSchema = z.object({
  id: z.string(),
  token: z.string(),
  accountId: z.string(),
  currencyCode: z.string(),
  holds: z.array(holdSchema),
  originalTxnAmountMinor: minor,
  originalTxnCurrency: z.string(),
  postedDebitMinor: minor,
  postedCreditMinor: minor,
  pendingRefundMinor: minor,
});

export function lifecycleToJson(lifecycle: Lifecycle): JsonValue {
  return {
    ...lifecycle,
    holds: lifecycle.holds.map((hold) => ({
      transferId: hold.transferId,
      amountMinor: hold.amountMinor.toString(),
    })),
    originalTxnAmountMinor: lifecycle.originalTxnAmountMinor.toString(),
    postedDebitMinor: lifecycle.postedDebitMinor.toString(),
    postedCreditMinor: lifecycle.postedCreditMinor.toString(),
    pendingRefundMinor: lifecycle.pendingRefundMinor.toString(),
  };
}

export function lifecycleFromJson(value: unknown): Lifecycle {
  return lifecycleSchema.parse(value);
}

const processedSchema = z.object({
  txnId: z.string(),
  kind: z.enum([
    'auth_requested',
    'auth_repeated',
    'financial_requested',
    'auth_advised',
    'auth_reversed',
    'financial_advised',
    'financial_reversed',
    'auth_expired',
    'presented',
    're_presented',
    'presentment_reversed',
    'advice_notification_ignored',
    'chargeback',
    'chargeback_reversed',
    'account_adjusted',
    'unknown',
  ]),
  token: z.string(),
  accountId: z.string(),
  lifecycleId: z.string(),
  payloadHash: z.string(),
  responseCode: z.string(),
  acknowledged: z.boolean(),
  decision: z.enum(['approved', 'declined', 'acknowledged', 'voided']),
  declineReason: z.string(),
  heldMinor: minor,
  processorStatCode: z.string(),
  retrievalReferenceNumber: z.string(),
  transmissionTimeDe07: z.string(),
  flags: z.array(z.string()),
  createdAtMs: z.number(),
  decisionId: z.string(),
});

export function processedToJson(record: ProcessedMessage): JsonValue {
  return { ...record, flags: [...record.flags], heldMinor: record.heldMinor.toString() };
}

export function processedFromJson(value: unknown): ProcessedMessage {
  return processedSchema.parse(value);
}

/**
 * What z.union of string/number/boolean/null/array/record accepts, checked directly: zod's union
 * tries each option and builds issues for the misses, which made parsing an event envelope cost
 * hundreds of microseconds and the outbox relay a tenth of the service's CPU. Values come from
 * our own JSON column, so the recursion ends with the (finite) decoded document.
 */
function isJsonValue(value: unknown): value is JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') {
    return true;
  }
  if (typeof value === 'number') {
    return !Number.isNaN(value);
  }
  if (Array.isArray(value)) {
    return value.every(isJsonValue);
  }
  if (typeof value === 'object') {
    const prototype: unknown = Object.getPrototypeOf(value);
    return (
      (prototype === Object.prototype || prototype === null) &&
      Object.values(value).every(isJsonValue)
    );
  }
  return false;
}

const jsonValueSchema = z.custom<JsonValue>(isJsonValue, 'expected a JSON value');

const envelopeSchema = z.object({
  id: z.string(),
  type: z.string(),
  version: z.number(),
  occurredAt: z.string(),
  key: z.string(),
  traceparent: z.string().optional(),
  data: jsonValueSchema,
});

export function envelopeFromJson(value: unknown): EventEnvelope<JsonValue> {
  const parsed = envelopeSchema.parse(value);
  const envelope = {
    id: parsed.id,
    type: parsed.type,
    version: parsed.version,
    occurredAt: parsed.occurredAt,
    key: parsed.key,
    data: parsed.data,
  };
  return parsed.traceparent === undefined
    ? envelope
    : { ...envelope, traceparent: parsed.traceparent };
}

export function envelopeToJson(envelope: EventEnvelope<JsonValue>): JsonValue {
  const json: Record<string, JsonValue> = {
    id: envelope.id,
    type: envelope.type,
    version: envelope.version,
    occurredAt: envelope.occurredAt,
    key: envelope.key,
    data: envelope.data,
  };
  if (envelope.traceparent !== undefined) {
    json['traceparent'] = envelope.traceparent;
  }
  return json;
}
