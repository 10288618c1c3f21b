import type { Clock } from '@corebank/platform-clock';
import type { IdGenerator } from '@corebank/platform-ids';

import type { BasicFeedItem } from '../../domain/feed-item';
import type { ValidBasicFeedItem } from '../../domain/basic-feed-item';
import type { FeedItemStore } from '../../ports/feed-item-store.port';
import type { FeedItemChanges } from '../feed-item-changes';

export interface PostBasicItemCommand {
  readonly accountId: string;
  readonly item: ValidBasicFeedItem;
}

/**
 * Stores a custom feed item on an account and announces it. The caller has checked that the
 * account is the customer's. Errors: the store's and bus's retryable errors.
 */
export class PostBasicItemUseCase {
  constructor(
    private readonly items: FeedItemStore,
    private readonly changes: FeedItemChanges,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  async execute(command: PostBasicItemCommand): Promise<BasicFeedItem> {
    const now = this.clock.now().toISOString();
    const item: BasicFeedItem = {
      kind: 'basic',
      itemId: this.ids.nextBigInt(),
      accountId: command.accountId,
      revision: 1n,
      ...command.item,
      createdAt: now,
      updatedAt: now,
    };
    await this.items.insert(item);
    await this.items.index(item);
    await this.changes.announce(item, now, undefined);
    return item;
  }
}
