import { z } from 'zod';

import { FEED_CATEGORIES } from '@corebank/domain-merchant';

import { describeIssues } from './authorization-transaction';
import { merchantAddressSchema, merchantIdSchema } from './enriched-transaction';

/**
 * The feed item event the feed publishes on `feed.items.v1` (one per stored change of an item).
 * Envelope: `id` is `<item id>:<revision>` (the same on every re-publication of one change),
 * `key` is the account id, `type` says created (revision 1) or updated, and `traceparent` is the
 * source transaction's. `data` is what the SSE stream shows for the item: FEED-API.md's
 * transaction object with its merchant expanded, or a basic (custom) item.
 */
export const FEED_ITEM_EVENT_TYPES = {
  created: 'feed.item.created.v1',
  updated: 'feed.item.updated.v1',
} as const;

export type FeedItemEventType = (typeof FEED_ITEM_EVENT_TYPES)[keyof typeof FEED_ITEM_EVENT_TYPES];
export type FeedItemEventKind = keyof typeof FEED_ITEM_EVENT_TYPES;

export const FEED_TRANSACTION_STATUSES = [
  'authorized',
  'declined',
  'reversed',
  'expired',
  'settled',
] as const;

/** Mondo's decline reasons (FEED-API.md, transaction object). */
export const FEED_DECLINE_REASONS = [
  'INSUFFICIENT_FUNDS',
  'CARD_INACTIVE',
  'CARD_BLOCKED',
  'INVALID_CVC',
  'OTHER',
] as const;

const text = z.string().max(512);
const instant = z.string().datetime({ offset: true });
const currency = z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code');

/** Minor units travel as JSON integers (FEED-API.md); the feed refuses amounts past 2^53. */
const feedAmountSchema = z
  .number()
  .int()
  .safe()
  .transform((value) => BigInt(value));

/** The expanded merchant (FEED-API.md `expand[]=merchant`). */
export const feedMerchantSchema = z.object({
  id: merchantIdSchema,
  group_id: text.nullable(),
  name: text.min(1),
  logo: z.string().max(2048).nullable(),
  emoji: text.min(1),
  category: z.enum(FEED_CATEGORIES),
  created: instant,
  address: merchantAddressSchema.nullable(),
});

export const feedTransactionSchema = z.object({
  id: z.string().regex(/^tx_(0|[1-9][0-9]{0,18})$/, 'expected tx_<snowflake>'),
  account_id: text.min(1),
  created: instant,
  /** Signed: negative is money out. */
  amount: feedAmountSchema,
  currency,
  local_amount: feedAmountSchema,
  local_currency: currency,
  description: text,
  /** Expanded, the merchant id only, or null (no merchant, or not enriched yet). */
  merchant: z.union([feedMerchantSchema, merchantIdSchema, z.null()]),
  category: z.enum(FEED_CATEGORIES),
  notes: z.string().max(4096),
  metadata: z.record(z.string()),
  is_load: z.boolean(),
  /** The settlement instant, or '' while not settled (Mondo's shape). */
  settled: z.union([z.literal(''), instant]),
  decline_reason: z.enum(FEED_DECLINE_REASONS).optional(),
  /** Available balance just after this transaction; absent when the event did not carry it. */
  account_balance: feedAmountSchema.optional(),
  status: z.enum(FEED_TRANSACTION_STATUSES),
  updated: instant,
});

export const feedBasicItemSchema = z.object({
  id: z.string().regex(/^feeditem_(0|[1-9][0-9]{0,18})$/, 'expected feeditem_<snowflake>'),
  account_id: text.min(1),
  type: z.literal('basic'),
  created: instant,
  params: z.object({
    title: text.min(1),
    image_url: z.string().max(2048),
    body: z.string().max(2000).nullable(),
    background_color: text.nullable(),
    title_color: text.nullable(),
    body_color: text.nullable(),
  }),
  url: z.string().max(2048).nullable(),
});

export const feedItemEventDataSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('transaction'), transaction: feedTransactionSchema }),
  z.object({ type: z.literal('basic'), item: feedBasicItemSchema }),
]);

export type FeedMerchant = z.output<typeof feedMerchantSchema>;
export type FeedMerchantJson = z.input<typeof feedMerchantSchema>;
export type FeedTransaction = z.output<typeof feedTransactionSchema>;
/** The transaction object as it travels (amounts as JSON integers): what the feed publishes. */
export type FeedTransactionJson = z.input<typeof feedTransactionSchema>;
export type FeedBasicItemJson = z.input<typeof feedBasicItemSchema>;
export type FeedItemEventData = z.output<typeof feedItemEventDataSchema>;
/** The envelope `data` as it travels: what the feed publishes. */
export type FeedItemEventDataJson = z.input<typeof feedItemEventDataSchema>;

export interface FeedItemEvent {
  readonly kind: FeedItemEventKind;
  readonly data: FeedItemEventData;
}

export type FeedItemParseResult =
  | { readonly kind: 'parsed'; readonly value: FeedItemEvent }
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'invalid'; readonly reason: string };

/** The account an item belongs to, whatever its type. */
export function feedItemAccountId(data: FeedItemEventData | FeedItemEventDataJson): string {
  return data.type === 'transaction' ? data.transaction.account_id : data.item.account_id;
}

/**
 * Validates an envelope received on `feed.items.v1`: `ignored` for a type this version does not
 * know (a later producer may add one), `invalid` for a broken payload or one whose account is
 * not the envelope's key. Reasons name paths and messages only, never values.
 */
export function parseFeedItemEvent(type: string, key: string, data: unknown): FeedItemParseResult {
  const kind =
    type === FEED_ITEM_EVENT_TYPES.created
      ? 'created'
      : type === FEED_ITEM_EVENT_TYPES.updated
        ? 'updated'
        : undefined;
  if (kind === undefined) {
    return { kind: 'ignored', reason: 'not a feed item created/updated event' };
  }
  const parsed = feedItemEventDataSchema.safeParse(data);
  if (!parsed.success) {
    return { kind: 'invalid', reason: describeIssues(parsed.error) };
  }
  if (feedItemAccountId(parsed.data) !== key) {
    return { kind: 'invalid', reason: 'the item account differs from the event key' };
  }
  return { kind: 'parsed', value: { kind, data: parsed.data } };
}
