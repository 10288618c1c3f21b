import {
  type AuthorizationTransactionDataJson,
  type AuthorizationTransactionEventType,
  authorizationTransactionDataToJson,
  parseAuthorizationTransactionEvent,
  type RawMerchantFieldsData,
  TRANSACTION_TOPICS,
} from '@corebank/domain-transaction-events';
import type { EventEnvelope } from '@corebank/platform-event-bus';

/** Test builders: authorization events as apps/authorization publishes them, typed by the contract. */
export function rawMerchant(overrides: Partial<RawMerchantFieldsData> = {}): RawMerchantFieldsData {
  return {
    name: 'PRET A MANGER',
    city: 'LONDON',
    region: '',
    country: 'GBR',
    merchantId: 'MID-PRET-001',
    terminalId: 'T0001',
    nameLocationRaw: 'PRET A MANGER          LONDON       GBR',
    ...overrides,
  };
}

export interface AuthorizationEventSpec {
  readonly id: string;
  readonly accountId: string;
  readonly txnId: string;
  readonly type?: AuthorizationTransactionEventType;
  readonly merchant?: RawMerchantFieldsData;
  readonly mcc?: string;
  readonly billAmountMinor?: bigint;
}

export function authorizationEvent(spec: AuthorizationEventSpec): EventEnvelope {
  const data: AuthorizationTransactionDataJson = authorizationTransactionDataToJson({
    txnId: spec.txnId,
    decisionId: `d-${spec.txnId}`,
    lifecycleId: `lc-${spec.txnId}`,
    messageKind: 'auth_requested',
    mtid: '0100',
    txnType: 'A',
    cardToken: '400000001',
    accountId: spec.accountId,
    responseCode: '00',
    declineReason: '',
    billAmountMinor: spec.billAmountMinor ?? -1250n,
    billCurrency: 'GBP',
    txnAmountMinor: spec.billAmountMinor ?? -1250n,
    txnCurrency: 'GBP',
    holdChangeMinor: -(spec.billAmountMinor ?? -1250n),
    postedMinor: 0n,
    mcc: spec.mcc ?? '5812',
    merchant: spec.merchant ?? rawMerchant(),
    txnCountry: 'GBR',
    processorTimestamp: '2026-11-22 01:00:00.000',
    receivedAt: '2026-11-22T01:00:00.000Z',
    flags: [],
  });
  const type = spec.type ?? 'authorization.transaction.authorized.v1';
  const parsed = parseAuthorizationTransactionEvent(type, data);
  if (parsed.kind !== 'parsed') {
    throw new Error(`test builder produced an invalid event: ${parsed.reason}`);
  }
  return {
    id: spec.id,
    type,
    version: 1,
    occurredAt: '2026-11-22T01:00:00.000Z',
    key: spec.accountId,
    traceparent: `00-${spec.id.padStart(32, '0')}-00000000000000a1-01`,
    data,
  };
}

export const SOURCE_TOPIC = TRANSACTION_TOPICS.authorization;
export const OUTPUT_TOPIC = TRANSACTION_TOPICS.enrichment;
