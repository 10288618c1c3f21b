import type { Clock } from '@corebank/platform-clock';
import { PlatformError } from '@corebank/platform-errors';
import type { IdGenerator } from '@corebank/platform-ids';

import {
  applyTransactionEvent,
  naturalKeyOf,
  sourceOrderOf,
  type TransactionEventInput,
  type TransactionFeedItem,
} from '../../domain/feed-item';
import type { FeedItemStore } from '../../ports/feed-item-store.port';
import type { FeedItemChanges } from '../feed-item-changes';

export interface RecordTransactionCommand extends TransactionEventInput {
  readonly traceparent: string | undefined;
}

export type RecordTransactionOutcome =
  | { readonly kind: 'recorded'; readonly itemId: bigint; readonly revision: bigint }
  /** The stored item is newer than this event; nothing written, nothing published. */
  | { readonly kind: 'stale'; readonly itemId: bigint }
  /** An unknown card has no account, so no customer feed to show it in. */
  | { readonly kind: 'no_account' };

/** Compare-and-set attempts per event before giving the event back to the bus for a retry. */
export const RECORD_ATTEMPTS_MAX = 8;

/**
 * Upserts the feed item of one transaction event, then announces it. Idempotent: a redelivered
 * event finds its own state stored (same source order) and republishes the same change with the
 * same id; an older event never overwrites a newer state.
 *
 * Errors: `invalid.feed_source_event_id` (not retryable) for an event id without a snowflake
 * source; `conflict.feed_item_contended` (retryable) after RECORD_ATTEMPTS_MAX lost
 * compare-and-sets; the store's and bus's retryable errors.
 */
export class RecordTransactionUseCase {
  constructor(
    private readonly items: FeedItemStore,
    private readonly changes: FeedItemChanges,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  async execute(command: RecordTransactionCommand): Promise<RecordTransactionOutcome> {
    const accountId = command.data.transaction.accountId;
    if (accountId === '') {
      return { kind: 'no_account' };
    }
    const sourceOrder = sourceOrderOf(command.eventId, command.data);
    if (sourceOrder === undefined) {
      throw new PlatformError('invalid.feed_source_event_id', 'event id has no snowflake source', {
        retryable: false,
      });
    }
    const itemId = await this.items.itemIdForKey(naturalKeyOf(command.data), this.ids.nextBigInt());
    for (let attempt = 1; attempt <= RECORD_ATTEMPTS_MAX; attempt += 1) {
      const stored = await this.items.get(itemId);
      if (stored !== undefined && stored.kind !== 'transaction') {
        throw new Error('natural key maps to a non-transaction item');
      }
      const outcome = applyTransactionEvent(stored, command, sourceOrder);
      switch (outcome.kind) {
        case 'stale':
          return { kind: 'stale', itemId };
        case 'same':
          // A redelivery: the write may have landed before a crash that lost the publish.
          if (stored !== undefined) {
            await this.items.index(stored);
            await this.changes.announce(stored, command.occurredAt, command.traceparent);
            return { kind: 'recorded', itemId, revision: stored.revision };
          }
          break;
        case 'changed': {
          const next: TransactionFeedItem = {
            kind: 'transaction',
            itemId,
            accountId,
            naturalKey: naturalKeyOf(command.data),
            sourceOrder: outcome.sourceOrder,
            revision: (stored?.revision ?? 0n) + 1n,
            transaction: outcome.transaction,
            annotations: stored?.annotations ?? { metadata: {} },
            updatedAt: this.clock.now().toISOString(),
          };
          const written =
            stored === undefined
              ? await this.items.insert(next)
              : await this.items.replace(next, stored.revision);
          if (written) {
            await this.items.index(next);
            await this.changes.announce(next, command.occurredAt, command.traceparent);
            return { kind: 'recorded', itemId, revision: next.revision };
          }
          break;
        }
      }
    }
    throw new PlatformError('conflict.feed_item_contended', 'feed item changed too often', {
      retryable: true,
    });
  }
}
