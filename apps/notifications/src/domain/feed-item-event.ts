import { z } from 'zod';

/**
 * The feed item event on feed.items.v1, as this service reads it. The feed publishes no schema
 * in @corebank/domain-transaction-events yet, so the shape is taken from FEED-API.md's
 * transaction object: the envelope's `key` is the account id, `type` says created or updated,
 * and `data.transaction` is the transaction with its merchant expanded (the webhook payload).
 * Unknown fields are kept (passthrough) so a webhook receiver sees everything the feed sent.
 */
export const FEED_ITEM_EVENT_TYPES = {
  created: 'feed.item.created.v1',
  updated: 'feed.item.updated.v1',
} as const;

/** 64-bit minor units arrive as a JSON integer or a decimal string (above 2^53). */
const minorUnitsSchema = z.union([
  z
    .number()
    .int()
    .safe()
    .transform((value) => BigInt(value)),
  z
    .string()
    .regex(/^-?\d{1,19}$/)
    .transform((value) => BigInt(value)),
]);

const merchantSchema = z
  .object({ id: z.string().min(1), name: z.string().optional(), emoji: z.string().optional() })
  .passthrough();

export const feedTransactionSchema = z
  .object({
    id: z.string().min(1).max(128),
    account_id: z.string().min(1).max(128),
    created: z.string().datetime({ offset: true }),
    amount: minorUnitsSchema,
    currency: z.string().regex(/^[A-Z]{3}$/),
    description: z.string(),
    merchant: z.union([merchantSchema, z.string(), z.null()]).optional(),
    decline_reason: z.string().optional(),
  })
  .passthrough();

export type FeedTransaction = z.infer<typeof feedTransactionSchema>;

export type FeedItemEventKind = keyof typeof FEED_ITEM_EVENT_TYPES;

export interface FeedItemEvent {
  /** The envelope id: one per created/updated event, the webhook delivery's idempotency key. */
  readonly eventId: string;
  readonly kind: FeedItemEventKind;
  /** The feed item is the transaction: one item per transaction id. */
  readonly itemId: string;
  readonly accountId: string;
  readonly occurredAtMs: number;
  readonly transaction: FeedTransaction;
  /** The transaction exactly as received, for the webhook body. */
  readonly transactionJson: Readonly<Record<string, unknown>>;
}

export type FeedItemParseResult =
  | { readonly kind: 'parsed'; readonly event: FeedItemEvent }
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'invalid'; readonly reason: string };

const envelopeDataSchema = z.object({ transaction: z.record(z.unknown()) });

/** Parses one envelope; types this service does not handle are `ignored`, broken ones `invalid`. */
export function parseFeedItemEvent(envelope: {
  readonly id: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly key: string;
  readonly data: unknown;
}): FeedItemParseResult {
  const kind =
    envelope.type === FEED_ITEM_EVENT_TYPES.created
      ? 'created'
      : envelope.type === FEED_ITEM_EVENT_TYPES.updated
        ? 'updated'
        : undefined;
  if (kind === undefined) {
    return { kind: 'ignored', reason: `event type ${envelope.type}` };
  }
  const occurredAtMs = Date.parse(envelope.occurredAt);
  if (Number.isNaN(occurredAtMs)) {
    return { kind: 'invalid', reason: 'occurredAt is not a timestamp' };
  }
  const data = envelopeDataSchema.safeParse(envelope.data);
  if (!data.success) {
    return { kind: 'invalid', reason: `data: ${data.error.issues[0]?.message ?? 'invalid'}` };
  }
  const transaction = feedTransactionSchema.safeParse(data.data.transaction);
  if (!transaction.success) {
    const issue = transaction.error.issues[0];
    return {
      kind: 'invalid',
      reason: `transaction.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
    };
  }
  if (transaction.data.account_id !== envelope.key) {
    return { kind: 'invalid', reason: 'transaction.account_id differs from the event key' };
  }
  return {
    kind: 'parsed',
    event: {
      eventId: envelope.id,
      kind,
      itemId: transaction.data.id,
      accountId: transaction.data.account_id,
      occurredAtMs,
      transaction: transaction.data,
      transactionJson: data.data.transaction,
    },
  };
}
