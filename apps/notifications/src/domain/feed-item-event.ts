import {
  FEED_ITEM_EVENT_TYPES,
  type FeedItemEventKind,
  type FeedTransaction,
  parseFeedItemEvent as parseFeedItemEnvelope,
} from '@corebank/domain-transaction-events';

/**
 * What this service delivers for one event on feed.items.v1. The schema is the feed's own, in
 * @corebank/domain-transaction-events (the feed publishes exactly that shape); this is the part
 * of it a push or a webhook needs. Only transaction items are delivered: basic (custom) items
 * are the customer's own posts and go to no phone.
 */
export { FEED_ITEM_EVENT_TYPES };
export type { FeedTransaction };

export interface FeedItemEvent {
  /** The envelope id: one per created/updated event, the webhook delivery's idempotency key. */
  readonly eventId: string;
  readonly kind: FeedItemEventKind;
  /** The feed item is the transaction: one item per transaction id. */
  readonly itemId: string;
  readonly accountId: string;
  readonly occurredAtMs: number;
  readonly transaction: FeedTransaction;
  /** The transaction exactly as received (amounts as JSON integers), for the webhook body. */
  readonly transactionJson: Readonly<Record<string, unknown>>;
}

export type FeedItemParseResult =
  | { readonly kind: 'parsed'; readonly event: FeedItemEvent }
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'invalid'; readonly reason: string };

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses one envelope; types and items this service does not deliver are `ignored`. */
export function parseFeedItemEvent(envelope: {
  readonly id: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly key: string;
  readonly data: unknown;
}): FeedItemParseResult {
  const parsed = parseFeedItemEnvelope(envelope.type, envelope.key, envelope.data);
  if (parsed.kind !== 'parsed') {
    return parsed;
  }
  const occurredAtMs = Date.parse(envelope.occurredAt);
  if (Number.isNaN(occurredAtMs)) {
    return { kind: 'invalid', reason: 'occurredAt is not a timestamp' };
  }
  const data = parsed.value.data;
  if (data.type !== 'transaction') {
    return { kind: 'ignored', reason: 'a basic feed item is not pushed' };
  }
  const transactionJson =
    isRecord(envelope.data) && isRecord(envelope.data['transaction'])
      ? envelope.data['transaction']
      : {};
  return {
    kind: 'parsed',
    event: {
      eventId: envelope.id,
      kind: parsed.value.kind,
      itemId: data.transaction.id,
      accountId: data.transaction.account_id,
      occurredAtMs,
      transaction: data.transaction,
      transactionJson,
    },
  };
}
