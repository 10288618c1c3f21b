import type { Money } from '@corebank/domain-money';

/** CARD-PROCESSOR.md §2.1, one per MTID x Txn_Type row; `unknown` is acked and alerted. */
export type CardMessageKind =
  | 'auth_requested'
  | 'auth_repeated'
  | 'financial_requested'
  | 'auth_advised'
  | 'auth_reversed'
  | 'financial_advised'
  | 'financial_reversed'
  | 'auth_expired'
  | 'presented'
  | 're_presented'
  | 'presentment_reversed'
  | 'advice_notification_ignored'
  | 'chargeback'
  | 'chargeback_reversed'
  | 'account_adjusted'
  | 'unknown';

const DECIDE_KINDS: ReadonlySet<CardMessageKind> = new Set([
  'auth_requested',
  'auth_repeated',
  'financial_requested',
]);

/** Decide kinds need approve/decline; all others only an acknowledgement (§2.1). */
export function isDecideKind(kind: CardMessageKind): boolean {
  return DECIDE_KINDS.has(kind);
}

export interface CardAmount {
  readonly money: Money;
  /** Non-zero digits below the minor unit were rounded away (§2.3). */
  readonly subMinor: boolean;
  /** The wire text, kept for audit. */
  readonly raw: string;
}

export type MerchantSource =
  'merch_fields' | 'de43_mastercard' | 'de43_visa' | 'de43_raw' | 'absent';

export interface CardMerchant {
  readonly name: string;
  readonly city: string;
  readonly region: string;
  readonly country: string;
  readonly merchantId: string;
  readonly terminalId: string;
  readonly nameLocationRaw: string;
  readonly source: MerchantSource;
}

export interface MalformedReason {
  /** Stable code, e.g. `missing_txn_id`, `invalid_bill_ccy`, `amount_sign_mismatch`. */
  readonly reason: string;
  /** Field names only, never values. */
  readonly fields: readonly string[];
}

/**
 * One processor message, typed. Absent optional text is ''. Never holds a PAN, CVV2, PIN or
 * expiry date: the mapping does not read those fields.
 */
export interface CardMessage {
  readonly kind: CardMessageKind;
  readonly mtid: string;
  readonly txnType: string;
  /** TXn_ID, the idempotency key; '' only when malformed. */
  readonly txnId: string;
  readonly token: string;
  readonly traceidLifecycle: string;
  readonly transLink: string;
  readonly authCodeDe38: string;
  readonly retrievalReferenceNumber: string;
  readonly matchingTxnId: string;
  readonly acquirerReferenceNumber: string;
  readonly networkTransactionId: string;
  readonly sendingAttemptCount: number;
  readonly authorisedByProcessor: boolean;
  readonly txnStatCode: string;
  readonly respCodeDe39: string;
  readonly procCode: string;
  readonly statusCode: string;
  readonly billAmount: CardAmount | undefined;
  readonly txnAmount: CardAmount | undefined;
  readonly settleAmount: CardAmount | undefined;
  readonly feeFixed: CardAmount | undefined;
  readonly feeRate: CardAmount | undefined;
  readonly fxPad: CardAmount | undefined;
  readonly mccPad: CardAmount | undefined;
  readonly mcc: string;
  readonly merchant: CardMerchant;
  readonly txnCountry: string;
  readonly acquirerIdDe32: string;
  readonly posDataDe22: string;
  readonly posDataDe61: string;
  readonly gpsPosData: string;
  readonly gpsPosCapability: string;
  readonly processorTimestamp: string;
  readonly transmissionTimeDe07: string;
  readonly posTimeDe12: string;
  readonly authType: string;
  readonly authExpiryUtc: string;
  readonly receivedAt: Date;
  /** SHA-256 hex of the business fields as sent (secrets excluded). */
  readonly payloadHash: string;
  readonly malformed: MalformedReason | undefined;
}
