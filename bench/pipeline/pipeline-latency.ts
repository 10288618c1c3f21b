import { percentile } from '../authorize/load-generator';

/**
 * Correlates the three sightings of one card payment the pipeline benchmark makes — the SOAP
 * reply, the feed item on the SSE stream, the push the test APNs server accepted — and turns them
 * into latencies from the reply. Pure bookkeeping on times the caller measures with one monotonic
 * clock (performance.now()), so it can be tested without a bank.
 *
 * The keys: a payment is named by its processor TXn_ID, which the benchmark also writes into the
 * merchant descriptor (DE43) so the feed item's `description` carries it; the feed item's id
 * (`tx_<snowflake>`) is what the push carries as its collapse id. So reply → item by TXn_ID, and
 * item → push by item id. Sightings may come in any order (a push seen before its SSE event, an
 * SSE event before its SOAP reply); only the first sighting of each counts, because the feed
 * re-sends an item when it changes (enrichment arriving late) and that is not a new arrival.
 */
export class PipelineLatencyRecorder {
  private readonly replies = new Map<string, { repliedAtMs: number }>();
  private approved = 0;
  private readonly approvedTxnIds = new Set<string>();
  private readonly busStamps = new Map<string, BusStamps>();
  private readonly itemByTxnId = new Map<
    string,
    { itemId: string; arrivedAtMs: number; stamps: FeedItemWallClock | undefined }
  >();
  private readonly pushAcceptedAtMs = new Map<string, number>();
  private readonly pushAcceptedAtWallMs = new Map<string, number>();
  private replyLatenciesMs: number[] = [];
  private sent = 0;
  private failedSends = 0;
  private missedDeadlines = 0;
  private unmatchedFeedItems = 0;
  private firstUnmatchedDescription: string | undefined;

  /**
   * A payment was sent; `replyLatencyMs` counts from its scheduled send time (open loop).
   * `observed`: the payment's account has an SSE stream and a device, so its feed item and push
   * are expected; other payments only load the pipeline.
   */
  recordReply(txnId: string, outcome: SoapReplyOutcome, observed = true): void {
    this.sent += 1;
    if (outcome.kind === 'failed') {
      this.failedSends += 1;
      return;
    }
    this.replyLatenciesMs.push(outcome.replyLatencyMs);
    if (outcome.responseStatus === '91') {
      this.missedDeadlines += 1;
    }
    if (outcome.responseStatus !== '00') {
      return;
    }
    this.approved += 1;
    this.approvedTxnIds.add(txnId);
    if (observed) {
      this.replies.set(txnId, { repliedAtMs: outcome.repliedAtMs });
    }
  }

  /**
   * A feed item arrived on an SSE stream, carrying `description`; `stamps` are the wall-clock
   * times the item itself carries, for the per-hop breakdown.
   */
  recordFeedItem(
    description: string,
    itemId: string,
    arrivedAtMs: number,
    stamps?: FeedItemWallClock,
  ): void {
    const txnId = txnIdFromDescription(description);
    if (txnId === undefined) {
      this.unmatchedFeedItems += 1;
      this.firstUnmatchedDescription ??= description;
      return;
    }
    if (!this.itemByTxnId.has(txnId)) {
      this.itemByTxnId.set(txnId, { itemId: normalisedItemId(itemId), arrivedAtMs, stamps });
    }
  }

  /** The test APNs server accepted a push whose collapse id is `collapseId`. */
  recordPushAccepted(collapseId: string, acceptedAtMs: number, acceptedAtWallMs?: number): void {
    const itemId = normalisedItemId(collapseId);
    if (!this.pushAcceptedAtMs.has(itemId)) {
      this.pushAcceptedAtMs.set(itemId, acceptedAtMs);
      if (acceptedAtWallMs !== undefined) {
        this.pushAcceptedAtWallMs.set(itemId, acceptedAtWallMs);
      }
    }
  }

  /**
   * A payment's event seen on a Kafka topic (the benchmark's tap consumer): `producedAtMs` is the
   * message's produce timestamp, `occurredAtMs` the event's own time. First sighting counts.
   */
  recordBusMessage(
    txnId: string,
    stage: 'authorization' | 'enrichment',
    producedAtMs: number,
    occurredAtMs: number,
  ): void {
    const stamps = this.busStamps.get(txnId) ?? {};
    if (stage === 'authorization' && stamps.authorizationTopicAtMs === undefined) {
      this.busStamps.set(txnId, { ...stamps, occurredAtMs, authorizationTopicAtMs: producedAtMs });
    } else if (stage === 'enrichment' && stamps.enrichmentTopicAtMs === undefined) {
      this.busStamps.set(txnId, { ...stamps, enrichmentTopicAtMs: producedAtMs });
    }
  }

  /** Observed approved payments whose feed item (or push) has not been seen yet. */
  outstanding(): { readonly feed: number; readonly push: number } {
    let feed = 0;
    let push = 0;
    for (const txnId of this.replies.keys()) {
      const item = this.itemByTxnId.get(txnId);
      if (item === undefined) {
        feed += 1;
        push += 1;
      } else if (!this.pushAcceptedAtMs.has(item.itemId)) {
        push += 1;
      }
    }
    return { feed, push };
  }

  summary(): PipelineCaseSummary {
    const toFeedMs: number[] = [];
    const toPushMs: number[] = [];
    const eventToFeedWriteMs: number[] = [];
    const feedWriteToSseMs: number[] = [];
    const feedWriteToPushMs: number[] = [];
    for (const [txnId, reply] of this.replies) {
      const item = this.itemByTxnId.get(txnId);
      if (item === undefined) {
        continue;
      }
      toFeedMs.push(item.arrivedAtMs - reply.repliedAtMs);
      const pushedAtMs = this.pushAcceptedAtMs.get(item.itemId);
      if (pushedAtMs !== undefined) {
        toPushMs.push(pushedAtMs - reply.repliedAtMs);
      }
      if (item.stamps !== undefined) {
        eventToFeedWriteMs.push(item.stamps.updatedAtMs - item.stamps.createdAtMs);
        feedWriteToSseMs.push(item.stamps.arrivedAtMs - item.stamps.updatedAtMs);
        const pushedAtWallMs = this.pushAcceptedAtWallMs.get(item.itemId);
        if (pushedAtWallMs !== undefined) {
          feedWriteToPushMs.push(pushedAtWallMs - item.stamps.updatedAtMs);
        }
      }
    }
    const eventToAuthorizationTopicMs: number[] = [];
    const authorizationToEnrichmentTopicMs: number[] = [];
    for (const txnId of this.approvedTxnIds) {
      const stamps = this.busStamps.get(txnId);
      if (stamps?.authorizationTopicAtMs === undefined) {
        continue;
      }
      if (stamps.occurredAtMs !== undefined) {
        eventToAuthorizationTopicMs.push(stamps.authorizationTopicAtMs - stamps.occurredAtMs);
      }
      if (stamps.enrichmentTopicAtMs !== undefined) {
        authorizationToEnrichmentTopicMs.push(
          stamps.enrichmentTopicAtMs - stamps.authorizationTopicAtMs,
        );
      }
    }
    const missing = this.outstanding();
    return {
      sent: this.sent,
      failedSends: this.failedSends,
      missedDeadlines: this.missedDeadlines,
      approved: this.approved,
      observedApproved: this.replies.size,
      reply: latencySummary(this.replyLatenciesMs),
      replyToFeed: latencySummary(toFeedMs),
      replyToPush: latencySummary(toPushMs),
      hops: {
        eventToFeedWrite: latencySummary(eventToFeedWriteMs),
        feedWriteToSse: latencySummary(feedWriteToSseMs),
        feedWriteToPush: latencySummary(feedWriteToPushMs),
        eventToAuthorizationTopic: latencySummary(eventToAuthorizationTopicMs),
        authorizationToEnrichmentTopic: latencySummary(authorizationToEnrichmentTopicMs),
      },
      missingFeedItems: missing.feed,
      missingPushes: missing.push,
      unmatchedFeedItems: this.unmatchedFeedItems,
      ...(this.firstUnmatchedDescription === undefined
        ? {}
        : { firstUnmatchedDescription: this.firstUnmatchedDescription }),
    };
  }
}

export type SoapReplyOutcome =
  | {
      readonly kind: 'replied';
      /** Two-digit Responsestatus of the reply ('00' approved, '91' deadline missed, ...). */
      readonly responseStatus: string;
      readonly repliedAtMs: number;
      readonly replyLatencyMs: number;
    }
  /** Transport error, timeout or a non-200 answer. */
  | { readonly kind: 'failed' };

export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Sightings earlier than the reply (negative latency): the pipeline beat the reply's parse. */
  readonly negativeCount: number;
}

/**
 * Wall-clock instants (Date.now() milliseconds) around one feed item: `createdAtMs` is the item's
 * `created` (authorization's event time, set when it decided), `updatedAtMs` its `updated` (when
 * the feed stored this revision), `arrivedAtMs` when the benchmark read it from the SSE stream.
 * Millisecond resolution and one machine's clock, so good for where the time goes, not for
 * sub-millisecond claims.
 */
export interface FeedItemWallClock {
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  readonly arrivedAtMs: number;
}

interface BusStamps {
  readonly occurredAtMs?: number;
  readonly authorizationTopicAtMs?: number;
  readonly enrichmentTopicAtMs?: number;
}

export interface PipelineCaseSummary {
  readonly sent: number;
  readonly failedSends: number;
  readonly missedDeadlines: number;
  readonly approved: number;
  /** Approved payments on observed accounts: the ones whose item and push are measured. */
  readonly observedApproved: number;
  readonly reply: LatencySummary;
  readonly replyToFeed: LatencySummary;
  readonly replyToPush: LatencySummary;
  /** Where the time goes, from the wall-clock stamps the feed item carries. */
  readonly hops: {
    /** Authorization's event time → the feed stored the item (outbox relay, bus, enrichment, bus). */
    readonly eventToFeedWrite: LatencySummary;
    /** Feed stored the item → its SSE event read by the benchmark. */
    readonly feedWriteToSse: LatencySummary;
    /** Feed stored the item → the test APNs server accepted its push (feed.items.v1, notifications). */
    readonly feedWriteToPush: LatencySummary;
    /** Kafka only (tap consumer): authorization's event time → produced on its topic (relay). */
    readonly eventToAuthorizationTopic: LatencySummary;
    /** Kafka only: produced on authorization.transactions.v1 → on enrichment.transactions.v1. */
    readonly authorizationToEnrichmentTopic: LatencySummary;
  };
  /** Observed approved payments with no feed item on the SSE stream after the drain. */
  readonly missingFeedItems: number;
  /** Observed approved payments with no push accepted after the drain (incl. no feed item). */
  readonly missingPushes: number;
  /** SSE feed items whose description carried no TXn_ID of this benchmark. */
  readonly unmatchedFeedItems: number;
  /** The first such description, to see what the feed made of the descriptor. */
  readonly firstUnmatchedDescription?: string;
}

/** Nearest-rank percentiles (the same definition as the authorize benchmark's). */
export function latencySummary(latenciesMs: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(latenciesMs).sort();
  return {
    count: sorted.length,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] ?? Number.NaN),
    negativeCount: sorted.filter((value) => value < 0).length,
  };
}

/** The feed's transaction ids are `tx_<snowflake>`; SSE event ids are the bare snowflake. */
export function normalisedItemId(id: string): string {
  return id.startsWith('tx_') ? id.slice('tx_'.length) : id;
}

/** The merchant descriptor prefix that carries the TXn_ID into the feed item's description. */
export const DESCRIPTOR_TXN_PREFIX = 'PIPE';
const DIGIT_LETTERS = 'ABCDEFGHIJ';

/**
 * The TXn_ID as it goes into the merchant descriptor: digits spelled as letters A–J, because the
 * gateway redacts digit runs that could be a card number (PAN-like runs) from merchant text.
 */
export function descriptorFor(txnId: string): string {
  if (!/^\d{1,20}$/.test(txnId)) {
    throw new RangeError(`TXn_ID ${txnId} is not 1 to 20 digits`);
  }
  const letters = Array.from(txnId, (digit) => DIGIT_LETTERS[Number(digit)] ?? '').join('');
  return `${DESCRIPTOR_TXN_PREFIX}${letters}`;
}

/** The TXn_ID the benchmark put into a feed item's description, if it is one of ours. */
export function txnIdFromDescription(description: string): string | undefined {
  const letters = new RegExp(`\\b${DESCRIPTOR_TXN_PREFIX}([A-J]{1,20})\\b`).exec(description)?.[1];
  return letters === undefined
    ? undefined
    : Array.from(letters, (letter) => String(DIGIT_LETTERS.indexOf(letter))).join('');
}

/** The two-digit Responsestatus of a SOAP reply body, or undefined when there is none. */
export function responseStatusOf(replyBody: string): string | undefined {
  return /<(?:\w+:)?Responsestatus>(\d\d)</.exec(replyBody)?.[1];
}
