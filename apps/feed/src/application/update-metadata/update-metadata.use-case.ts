import type { Clock } from '@corebank/platform-clock';
import { PlatformError } from '@corebank/platform-errors';

import { applyMetadataChange, type TransactionFeedItem } from '../../domain/feed-item';
import type { FeedItemStore } from '../../ports/feed-item-store.port';
import type { FeedItemChanges } from '../feed-item-changes';

export interface UpdateMetadataCommand {
  readonly itemId: bigint;
  /** The accounts the caller may touch; any other account's item is `not_found`. */
  readonly accountIds: ReadonlySet<string>;
  readonly change: Readonly<Record<string, string>>;
}

export type UpdateMetadataOutcome =
  | { readonly kind: 'updated'; readonly item: TransactionFeedItem }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'invalid'; readonly reason: string };

export const UPDATE_ATTEMPTS_MAX = 8;

/**
 * Sets or deletes metadata keys of a transaction (compare-and-set on the item's revision, so an
 * event landing meanwhile is never lost) and announces the change.
 *
 * Errors: `conflict.feed_item_contended` (retryable) after UPDATE_ATTEMPTS_MAX lost
 * compare-and-sets; the store's and bus's retryable errors.
 */
export class UpdateMetadataUseCase {
  constructor(
    private readonly items: FeedItemStore,
    private readonly changes: FeedItemChanges,
    private readonly clock: Clock,
  ) {}

  async execute(command: UpdateMetadataCommand): Promise<UpdateMetadataOutcome> {
    for (let attempt = 1; attempt <= UPDATE_ATTEMPTS_MAX; attempt += 1) {
      const stored = await this.items.get(command.itemId);
      if (stored?.kind !== 'transaction' || !command.accountIds.has(stored.accountId)) {
        return { kind: 'not_found' };
      }
      const change = applyMetadataChange(stored.annotations.metadata, command.change);
      if (change.kind === 'invalid') {
        return change;
      }
      const updatedAt = this.clock.now().toISOString();
      const next: TransactionFeedItem = {
        ...stored,
        revision: stored.revision + 1n,
        annotations: { metadata: change.metadata },
        updatedAt,
      };
      if (await this.items.replace(next, stored.revision)) {
        await this.changes.announce(next, updatedAt, undefined);
        return { kind: 'updated', item: next };
      }
    }
    throw new PlatformError('conflict.feed_item_contended', 'feed item changed too often', {
      retryable: true,
    });
  }
}
