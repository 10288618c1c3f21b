import { type FeedCategory, feedCategoryFor, parseMcc } from '@corebank/domain-merchant';
import type {
  AuthorizationTransactionEventType,
  EnrichedMerchant,
  EnrichedTransactionData,
} from '@corebank/domain-transaction-events';

/** Where a card transaction stands, as the feed shows it. */
export type TransactionStatus = 'authorized' | 'declined' | 'reversed' | 'expired' | 'settled';

/** Mondo's decline reasons (FEED-API.md, transaction object). */
export type FeedDeclineReason =
  'INSUFFICIENT_FUNDS' | 'CARD_INACTIVE' | 'CARD_BLOCKED' | 'INVALID_CVC' | 'OTHER';

/** The card-transaction part of a feed item: what the network and enrichment told us. */
export interface TransactionState {
  readonly status: TransactionStatus;
  /** Signed minor units in the account currency; negative = money out. */
  readonly amountMinor: bigint;
  readonly currency: string;
  /** Signed like amountMinor, in the merchant's currency. */
  readonly localAmountMinor: bigint;
  readonly localCurrency: string;
  /** The raw merchant descriptor as the network sent it. */
  readonly description: string;
  readonly merchant: EnrichedMerchant | null;
  readonly category: FeedCategory;
  readonly declineReason: FeedDeclineReason | null;
  /** When the transaction was presented (RFC 3339 UTC); null while only authorized. */
  readonly settledAt: string | null;
  /** Available balance just after the latest event that carried one; null when none did. */
  readonly accountBalanceMinor: bigint | null;
  readonly createdAt: string;
}

/** The customer's own annotations; never touched by network events. */
export interface CustomerAnnotations {
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * A feed item for one card transaction. `sourceOrder` is the order of the event that produced
 * `transaction` (see sourceOrderOf); `revision` counts every stored change, events and edits alike.
 */
export interface TransactionFeedItem {
  readonly kind: 'transaction';
  readonly itemId: bigint;
  readonly accountId: string;
  readonly naturalKey: string;
  readonly sourceOrder: bigint;
  readonly revision: bigint;
  readonly transaction: TransactionState;
  readonly annotations: CustomerAnnotations;
  readonly updatedAt: string;
}

/** A custom item posted through POST /feed (Mondo's `basic` type). */
export interface BasicFeedItem {
  readonly kind: 'basic';
  readonly itemId: bigint;
  readonly accountId: string;
  readonly revision: bigint;
  readonly title: string;
  readonly imageUrl: string;
  readonly body: string | null;
  readonly backgroundColour: string | null;
  readonly titleColour: string | null;
  readonly bodyColour: string | null;
  readonly url: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type FeedItem = TransactionFeedItem | BasicFeedItem;

/** One event of enrichment.transactions.v1 as the feed applies it. */
export interface TransactionEventInput {
  readonly eventId: string;
  readonly type: AuthorizationTransactionEventType;
  readonly occurredAt: string;
  readonly data: EnrichedTransactionData;
}

/**
 * The identity of a transaction across its lifecycle: authorization names the lifecycle
 * (authorization, presentment, reversal share it); a message outside any lifecycle keys on its
 * own processor transaction id. The account is part of the key so one account can never reach
 * into another's item.
 */
export function naturalKeyOf(data: EnrichedTransactionData): string {
  const transaction = data.transaction;
  const identity =
    transaction.lifecycleId === ''
      ? `txn:${transaction.txnId}`
      : `lifecycle:${transaction.lifecycleId}`;
  return `${transaction.accountId}|${identity}`;
}

/**
 * Orders events of one transaction: the source event id is authorization's snowflake (outbox
 * order), and of one source the enriched publication is newer than the unenriched one (the
 * enriched update always follows). The enriched id is `<source id>:<status>`.
 * Returns undefined when the id does not have that shape.
 */
export function sourceOrderOf(eventId: string, data: EnrichedTransactionData): bigint | undefined {
  const separator = eventId.lastIndexOf(':');
  const sourceId = separator < 0 ? eventId : eventId.slice(0, separator);
  if (!/^(0|[1-9][0-9]{0,18})$/.test(sourceId)) {
    return undefined;
  }
  return BigInt(sourceId) * 2n + (data.enrichment.status === 'enriched' ? 1n : 0n);
}

/** Outcome of applying an event to what is stored. */
export type ApplyOutcome =
  | {
      readonly kind: 'changed';
      readonly transaction: TransactionState;
      readonly sourceOrder: bigint;
    }
  /** The stored state came from this very event (a redelivery): nothing to write. */
  | { readonly kind: 'same' }
  /** The stored state is newer; the event must not overwrite it. */
  | { readonly kind: 'stale' };

function absolute(value: bigint): bigint {
  return value < 0n ? -value : value;
}

function statusOf(
  type: AuthorizationTransactionEventType,
  current: TransactionStatus | undefined,
): TransactionStatus {
  switch (type) {
    case 'authorization.transaction.authorized.v1':
    case 'authorization.transaction.advised.v1':
      return 'authorized';
    case 'authorization.transaction.declined.v1':
      return 'declined';
    case 'authorization.transaction.reversed.v1':
      return 'reversed';
    case 'authorization.transaction.expired.v1':
      return 'expired';
    case 'authorization.transaction.settled.v1':
    case 'authorization.transaction.credited.v1':
    case 'authorization.transaction.adjusted.v1':
      return 'settled';
    case 'authorization.transaction.recorded.v1':
      return current ?? 'authorized';
  }
}

/** Maps authorization's decline reasons (`reason` or `reason:detail`) to Mondo's set. */
export function feedDeclineReasonOf(declineReason: string): FeedDeclineReason {
  const reason = declineReason.split(':', 1)[0] ?? '';
  switch (reason) {
    case 'insufficient_funds':
    case 'amount_limit':
      return 'INSUFFICIENT_FUNDS';
    case 'card_not_activated':
    case 'card_closed':
    case 'card_expired':
    case 'invalid_card':
      return 'CARD_INACTIVE';
    case 'card_frozen':
    case 'card_lost':
    case 'card_stolen':
      return 'CARD_BLOCKED';
    default:
      return reason.startsWith('invalid_cvc') || reason.startsWith('cvc') ? 'INVALID_CVC' : 'OTHER';
  }
}

/**
 * The amount the customer sees: what was posted once settled; the hold while authorized; the
 * requested amount when declined. A reversal or expiry keeps the amount it cancels so the item
 * still says what was attempted.
 */
function amountOf(
  status: TransactionStatus,
  data: EnrichedTransactionData,
  current: TransactionState | undefined,
): bigint {
  const transaction = data.transaction;
  const requested = -absolute(transaction.billAmountMinor);
  switch (status) {
    case 'settled':
      return transaction.postedMinor !== 0n
        ? transaction.postedMinor
        : (current?.amountMinor ?? requested);
    case 'authorized':
      return transaction.holdChangeMinor > 0n ? -transaction.holdChangeMinor : requested;
    case 'declined':
      return requested;
    case 'reversed':
    case 'expired':
      return current?.amountMinor ?? requested;
  }
}

function categoryOf(
  data: EnrichedTransactionData,
  merchant: EnrichedMerchant | null,
): FeedCategory {
  if (merchant !== null) {
    return merchant.category;
  }
  const mcc = parseMcc(data.transaction.mcc);
  return mcc.kind === 'mcc' ? feedCategoryFor(mcc.mcc) : 'general';
}

function earlier(left: string, right: string): string {
  return Date.parse(left) <= Date.parse(right) ? left : right;
}

/**
 * Applies one event to the stored transaction state. Deterministic: the same inputs give the
 * same state, so a redelivered event reproduces what it wrote the first time.
 *
 * An older event never overwrites a newer state, with one exception: a late enrichment of an
 * earlier source event adds its merchant when the stored state has none (the newer event was
 * published unenriched), because the merchant is the same for every step of a transaction.
 */
export function applyTransactionEvent(
  current: { readonly sourceOrder: bigint; readonly transaction: TransactionState } | undefined,
  event: TransactionEventInput,
  sourceOrder: bigint,
): ApplyOutcome {
  const data = event.data;
  if (current !== undefined && sourceOrder === current.sourceOrder) {
    return { kind: 'same' };
  }
  if (current !== undefined && sourceOrder < current.sourceOrder) {
    if (current.transaction.merchant === null && data.merchant !== null) {
      return {
        kind: 'changed',
        sourceOrder: current.sourceOrder,
        transaction: {
          ...current.transaction,
          merchant: data.merchant,
          category: data.merchant.category,
        },
      };
    }
    return { kind: 'stale' };
  }
  const previous = current?.transaction;
  const status = statusOf(event.type, previous?.status);
  const amountMinor = amountOf(status, data, previous);
  const localMagnitude = absolute(data.transaction.txnAmountMinor);
  const merchant = data.merchant ?? previous?.merchant ?? null;
  const settledAt =
    event.type === 'authorization.transaction.settled.v1' ||
    event.type === 'authorization.transaction.credited.v1' ||
    event.type === 'authorization.transaction.adjusted.v1'
      ? (previous?.settledAt ?? event.occurredAt)
      : (previous?.settledAt ?? null);
  const transaction: TransactionState = {
    status,
    amountMinor,
    currency: data.transaction.billCurrency,
    localAmountMinor: amountMinor < 0n ? -localMagnitude : localMagnitude,
    localCurrency: data.transaction.txnCurrency || data.transaction.billCurrency,
    description:
      data.transaction.merchant.nameLocationRaw ||
      data.transaction.merchant.name ||
      previous?.description ||
      '',
    merchant,
    category: categoryOf(data, merchant),
    declineReason:
      status === 'declined' ? feedDeclineReasonOf(data.transaction.declineReason) : null,
    settledAt,
    accountBalanceMinor:
      data.transaction.availableBalanceAfterMinor ?? previous?.accountBalanceMinor ?? null,
    createdAt:
      previous === undefined ? event.occurredAt : earlier(previous.createdAt, event.occurredAt),
  };
  return { kind: 'changed', transaction, sourceOrder };
}

/** Metadata keys and values are bounded so one item cannot grow without limit. */
export const METADATA_KEYS_MAX = 50;
export const METADATA_KEY_LENGTH_MAX = 40;
export const METADATA_VALUE_LENGTH_MAX = 500;

export type MetadataChangeOutcome =
  | { readonly kind: 'changed'; readonly metadata: Readonly<Record<string, string>> }
  | { readonly kind: 'invalid'; readonly reason: string };

/**
 * Applies a metadata edit: an empty value deletes its key (Mondo's rule). `notes` is an ordinary
 * key, mirrored to the transaction's top-level `notes` when rendered.
 */
export function applyMetadataChange(
  current: Readonly<Record<string, string>>,
  change: Readonly<Record<string, string>>,
): MetadataChangeOutcome {
  const next: Record<string, string> = { ...current };
  for (const [key, value] of Object.entries(change)) {
    if (!/^[A-Za-z0-9_.-]+$/.test(key) || key.length > METADATA_KEY_LENGTH_MAX) {
      return {
        kind: 'invalid',
        reason: `metadata key must be 1-${METADATA_KEY_LENGTH_MAX} of A-Z a-z 0-9 _ . -`,
      };
    }
    if (value.length > METADATA_VALUE_LENGTH_MAX) {
      return { kind: 'invalid', reason: `metadata value longer than ${METADATA_VALUE_LENGTH_MAX}` };
    }
    if (value === '') {
      delete next[key];
    } else {
      next[key] = value;
    }
  }
  if (Object.keys(next).length > METADATA_KEYS_MAX) {
    return { kind: 'invalid', reason: `more than ${METADATA_KEYS_MAX} metadata keys` };
  }
  return { kind: 'changed', metadata: next };
}
