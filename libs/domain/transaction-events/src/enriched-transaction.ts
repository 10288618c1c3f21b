import { z } from 'zod';

import { FEED_CATEGORIES } from '@corebank/domain-merchant';

import {
  authorizationTransactionDataToJson,
  type AuthorizationTransactionEventType,
  authorizationTransactionDataSchema,
  authorizationTransactionEventTypeSchema,
  describeIssues,
  type ParseResult,
} from './authorization-transaction';

/**
 * The payload merchant-enrichment publishes on `enrichment.transactions.v1`:
 * `{ transaction, merchant, enrichment }`. `transaction` is the authorization payload unchanged
 * (it already has a `merchant` field with the raw network fields, hence the nesting rather than
 * spreading it next to the enriched `merchant`).
 *
 * The envelope keeps the source event's `type` (the transaction's lifecycle step), `key` (account
 * id) and `traceparent`; its `id` is derived from the source id by `enrichedTransactionEventId`.
 */

/** `merch_` + a snowflake in decimal. */
export const merchantIdSchema = z
  .string()
  .regex(/^merch_(0|[1-9][0-9]{0,19})$/, 'expected merch_<snowflake>');

const text = z.string().max(512);

/** Whatever the network told us about where the merchant is; unknown parts are null. */
export const merchantAddressSchema = z.object({
  address: text.nullable(),
  city: text.nullable(),
  region: text.nullable(),
  country: text.nullable(),
  postcode: text.nullable(),
  latitude: z.number().min(-90).max(90).nullable(),
  longitude: z.number().min(-180).max(180).nullable(),
});

export const enrichedMerchantSchema = z.object({
  id: merchantIdSchema,
  /** `grp_<slug>` when the merchant is a known chain: the same chain shares a group. */
  groupId: text.nullable(),
  /** Cleaned display name. */
  name: text.min(1),
  category: z.enum(FEED_CATEGORIES),
  emoji: text.min(1),
  logoUrl: z.string().url().max(2048).nullable(),
  /** When the merchant record was first created (RFC 3339 UTC). */
  createdAt: z.string().datetime(),
  /** Present when the network sent any location field. */
  address: merchantAddressSchema.nullable(),
});

/**
 * Why a transaction went out without a merchant. `no_merchant`: the message carries no merchant
 * fields, nothing will follow. `deadline_exceeded` / `failed`: an update with status `enriched`
 * and the same transaction follows once enrichment succeeds.
 */
export const UNENRICHED_REASONS = ['no_merchant', 'deadline_exceeded', 'failed'] as const;
export type UnenrichedReason = (typeof UNENRICHED_REASONS)[number];

export const enrichmentStatusSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('enriched') }),
  z.object({ status: z.literal('unenriched'), reason: z.enum(UNENRICHED_REASONS) }),
]);

export const enrichedTransactionDataSchema = z
  .object({
    transaction: authorizationTransactionDataSchema,
    merchant: enrichedMerchantSchema.nullable(),
    enrichment: enrichmentStatusSchema,
  })

  .refine(
    (data) => (data.enrichment.status === 'enriched') === (data.merchant !== null),
    'merchant must be present exactly when enrichment.status is enriched',
  );

export type EnrichedMerchant = z.output<typeof enrichedMerchantSchema>;
export type MerchantAddress = z.output<typeof merchantAddressSchema>;
export type EnrichmentStatus = z.output<typeof enrichmentStatusSchema>;
export type EnrichedTransactionData = z.output<typeof enrichedTransactionDataSchema>;
export type EnrichedTransactionDataJson = z.input<typeof enrichedTransactionDataSchema>;

export interface EnrichedTransactionEvent {
  readonly type: AuthorizationTransactionEventType;
  readonly data: EnrichedTransactionData;
}

/** Validates the `type` and `data` of an envelope received on `enrichment.transactions.v1`. */
export function parseEnrichedTransactionEvent(
  type: string,
  data: unknown,
): ParseResult<EnrichedTransactionEvent> {
  const parsedType = authorizationTransactionEventTypeSchema.safeParse(type);
  if (!parsedType.success) {
    return { kind: 'invalid', reason: `unknown event type "${type.slice(0, 128)}"` };
  }
  const parsedData = enrichedTransactionDataSchema.safeParse(data);
  if (!parsedData.success) {
    return { kind: 'invalid', reason: describeIssues(parsedData.error) };
  }
  return { kind: 'parsed', value: { type: parsedType.data, data: parsedData.data } };
}

/** Longest source event id `enrichedTransactionEventId` accepts (envelope ids are ≤ 128). */
export const SOURCE_EVENT_ID_LENGTH_MAX = 100;

/**
 * The id of the enriched event for one source event: deterministic, so a redelivered source
 * event republishes the same id and consumers deduplicate it. The unenriched publication and the
 * later enriched update of one transaction get different ids (`<source id>:unenriched`,
 * `<source id>:enriched`), so deduplication never swallows the update. Consumers must never let
 * an unenriched event replace an enriched one of the same source event (a redelivery can publish
 * the unenriched one again after the update).
 *
 * Returns undefined for an id that is empty or longer than SOURCE_EVENT_ID_LENGTH_MAX.
 */
export function enrichedTransactionEventId(
  sourceEventId: string,
  status: EnrichmentStatus['status'],
): string | undefined {
  if (sourceEventId.length === 0 || sourceEventId.length > SOURCE_EVENT_ID_LENGTH_MAX) {
    return undefined;
  }
  return `${sourceEventId}:${status}`;
}

/** The JSON form of an enriched payload (amounts back to decimal strings). */
export function enrichedTransactionDataToJson(
  data: EnrichedTransactionData,
): EnrichedTransactionDataJson {
  return {
    transaction: authorizationTransactionDataToJson(data.transaction),
    merchant:
      data.merchant === null
        ? null
        : {
            ...data.merchant,
            address: data.merchant.address === null ? null : { ...data.merchant.address },
          },
    enrichment: { ...data.enrichment },
  };
}
