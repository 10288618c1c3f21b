import { z } from 'zod';

/**
 * The payload authorization publishes on `authorization.transactions.v1` (built by
 * apps/authorization/src/application/card-events.ts). Amounts travel as decimal strings of signed
 * minor units, because JSON numbers lose precision past 2^53; the schema parses them to bigint.
 * Unknown fields are dropped rather than refused, so a producer may add a field within v1
 * without its consumers dead-lettering everything; removing or retyping one needs a v2.
 */
export const AUTHORIZATION_TRANSACTION_EVENT_TYPES = [
  'authorization.transaction.authorized.v1',
  'authorization.transaction.declined.v1',
  'authorization.transaction.reversed.v1',
  'authorization.transaction.expired.v1',
  'authorization.transaction.advised.v1',
  'authorization.transaction.settled.v1',
  'authorization.transaction.credited.v1',
  'authorization.transaction.adjusted.v1',
  'authorization.transaction.recorded.v1',
] as const;

export type AuthorizationTransactionEventType =
  (typeof AUTHORIZATION_TRANSACTION_EVENT_TYPES)[number];

/** The processor message kinds (CARD-PROCESSOR.md §2) as the card-gateway types them. */
export const CARD_MESSAGE_KINDS = [
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
] as const;

export type CardMessageKind = (typeof CARD_MESSAGE_KINDS)[number];

/** Longest accepted free-text field; processor fields are far shorter, this only bounds memory. */
const TEXT_LENGTH_MAX = 512;

const text = z.string().max(TEXT_LENGTH_MAX);

/**
 * Signed minor units as a canonical decimal string (no plus sign, no leading zeros, no `-0`),
 * within int64 so every store and wire format can hold it.
 */
export const minorUnitsSchema = z
  .string()
  .regex(/^(0|-?[1-9][0-9]{0,18})$/, 'expected minor units as a canonical decimal integer string')
  .transform((value, context) => {
    const amount = BigInt(value);
    if (amount > INT64_MAX || amount < INT64_MIN) {
      context.addIssue({ code: z.ZodIssueCode.custom, message: 'minor units outside int64' });
      return z.NEVER;
    }
    return amount;
  });

const INT64_MAX = 9_223_372_036_854_775_807n;
const INT64_MIN = -9_223_372_036_854_775_808n;

/** ISO 4217 alphabetic; empty when the processor left the field out. */
const currencySchema = z.string().regex(/^([A-Z]{3})?$/, 'expected an ISO 4217 code or empty');

/** RFC 3339 in UTC, as `Date.prototype.toISOString` writes it. */
const utcInstantSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/, 'expected an RFC 3339 UTC instant')
  .refine((value) => !Number.isNaN(Date.parse(value)), 'expected a real calendar instant');

/** The raw merchant fields of the card message (DE42, DE41, DE43 and the Merch_* fields). */
export const rawMerchantFieldsSchema = z.object({
  name: text,
  city: text,
  region: text,
  country: text,
  /** Merch_ID_DE42: the acquirer's merchant id; empty when absent. */
  merchantId: text,
  terminalId: text,
  nameLocationRaw: text,
});

export const authorizationTransactionDataSchema = z.object({
  txnId: text.min(1),
  decisionId: text,
  lifecycleId: text,
  messageKind: z.enum(CARD_MESSAGE_KINDS),
  mtid: text,
  txnType: text,
  cardToken: text,
  /** Empty for a card we do not know (the envelope key is then UNKNOWN_ACCOUNT_KEY). */
  accountId: text,
  responseCode: text,
  declineReason: text,
  billAmountMinor: minorUnitsSchema,
  billCurrency: currencySchema,
  txnAmountMinor: minorUnitsSchema,
  txnCurrency: currencySchema,
  /** Change of the customer's holds (negative: released). */
  holdChangeMinor: minorUnitsSchema,
  /** Posted to the customer (negative: debit, positive: credit). */
  postedMinor: minorUnitsSchema,
  mcc: text,
  merchant: rawMerchantFieldsSchema,
  txnCountry: text,
  processorTimestamp: text,
  receivedAt: utcInstantSchema,
  flags: z.array(text).max(64),
  /**
   * The customer's available balance just after this message was applied (minor units of
   * billCurrency), when the producer knows it: the feed shows it as `account_balance`.
   */
  availableBalanceAfterMinor: minorUnitsSchema.optional(),
  /** Set on events of test accounts (fake-card suite, prober): reports of real money skip them. */
  testAccount: z.literal(true).optional(),
});

/** The payload as code uses it: amounts are bigint. */
export type AuthorizationTransactionData = z.output<typeof authorizationTransactionDataSchema>;
/** The payload as it travels in JSON: amounts are decimal strings. */
export type AuthorizationTransactionDataJson = z.input<typeof authorizationTransactionDataSchema>;
export type RawMerchantFieldsData = z.output<typeof rawMerchantFieldsSchema>;

export const authorizationTransactionEventTypeSchema = z.enum(
  AUTHORIZATION_TRANSACTION_EVENT_TYPES,
);

/** Outcome of parsing: invalid events are dead-lettered by their consumer, never guessed at. */
export type ParseResult<T> =
  | { readonly kind: 'parsed'; readonly value: T }
  | { readonly kind: 'invalid'; readonly reason: string };

export interface AuthorizationTransactionEvent {
  readonly type: AuthorizationTransactionEventType;
  readonly data: AuthorizationTransactionData;
}

/** Validates the `type` and `data` of an envelope received on `authorization.transactions.v1`. */
export function parseAuthorizationTransactionEvent(
  type: string,
  data: unknown,
): ParseResult<AuthorizationTransactionEvent> {
  const parsedType = authorizationTransactionEventTypeSchema.safeParse(type);
  if (!parsedType.success) {
    return { kind: 'invalid', reason: `unknown event type "${type.slice(0, 128)}"` };
  }
  const parsedData = authorizationTransactionDataSchema.safeParse(data);
  if (!parsedData.success) {
    return { kind: 'invalid', reason: describeIssues(parsedData.error) };
  }
  return { kind: 'parsed', value: { type: parsedType.data, data: parsedData.data } };
}

/** The JSON form of a payload (amounts back to decimal strings); the inverse of the schema. */
export function authorizationTransactionDataToJson(
  data: AuthorizationTransactionData,
): AuthorizationTransactionDataJson {
  const { availableBalanceAfterMinor, ...rest } = data;
  return {
    ...rest,
    merchant: { ...data.merchant },
    flags: [...data.flags],
    billAmountMinor: data.billAmountMinor.toString(),
    txnAmountMinor: data.txnAmountMinor.toString(),
    holdChangeMinor: data.holdChangeMinor.toString(),
    postedMinor: data.postedMinor.toString(),
    ...(availableBalanceAfterMinor === undefined
      ? {}
      : { availableBalanceAfterMinor: availableBalanceAfterMinor.toString() }),
  };
}

/** A short, value-free description of what failed (paths and messages only, never the data). */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${messageWithoutValue(issue)}`)
    .join('; ');
}

/** zod's enum message quotes the received value; everything else names only types and rules. */
function messageWithoutValue(issue: z.ZodIssue): string {
  return issue.code === z.ZodIssueCode.invalid_enum_value
    ? `expected one of ${issue.options.map(String).join(', ')}`
    : issue.message;
}
