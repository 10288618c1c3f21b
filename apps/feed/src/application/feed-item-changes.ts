import { FEED_ITEM_EVENT_TYPES, TRANSACTION_TOPICS } from '@corebank/domain-transaction-events';
import type { EventBus } from '@corebank/platform-event-bus';

import type { FeedItem } from '../domain/feed-item';
import type { FeedItemChange, FeedItemStore } from '../ports/feed-item-store.port';
import { feedItemView } from './feed-item-view';

export type FeedItemListener = (change: FeedItemChange) => void;

/** Listeners per account, bounded so a flood of streams cannot exhaust memory. */
export const LISTENERS_PER_ACCOUNT_MAX = 64;

/**
 * Announces a stored change: appends it to the account's change sequence (what SSE clients
 * resume from), publishes it on feed.items.v1 (durably, before the caller's offset commits) and
 * tells this process's SSE streams. The event id is `<item id>:<revision>`, the same on every
 * redelivery of the change, so downstream consumers deduplicate it. A redelivered change takes a
 * new position too; a resuming client then gets that item's current state once more.
 */
export class FeedItemChanges {
  private readonly listeners = new Map<string, Set<FeedItemListener>>();

  constructor(
    private readonly bus: EventBus,
    private readonly items: FeedItemStore,
  ) {}

  async announce(
    item: FeedItem,
    occurredAt: string,
    traceparent: string | undefined,
  ): Promise<void> {
    const sequence = await this.items.appendChange(item);
    await this.bus.publish(TRANSACTION_TOPICS.feedItems, [
      {
        id: `${item.itemId}:${item.revision}`,
        type: item.revision === 1n ? FEED_ITEM_EVENT_TYPES.created : FEED_ITEM_EVENT_TYPES.updated,
        version: 1,
        occurredAt,
        key: item.accountId,
        ...(traceparent === undefined ? {} : { traceparent }),
        data: feedItemView(item),
      },
    ]);
    for (const listener of this.listeners.get(item.accountId) ?? []) {
      listener({ sequence, item });
    }
  }

  /** Returns the unsubscribe function, or undefined when the account has too many listeners. */
  listen(accountId: string, listener: FeedItemListener): (() => void) | undefined {
    const set = this.listeners.get(accountId) ?? new Set<FeedItemListener>();
    if (set.size >= LISTENERS_PER_ACCOUNT_MAX) {
      return undefined;
    }
    set.add(listener);
    this.listeners.set(accountId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) {
        this.listeners.delete(accountId);
      }
    };
  }
}
