import { SqliteStore, type Store } from '@corebank/platform-storage';

import type { FeedItem } from '../domain/feed-item';
import { FEED_MIGRATIONS } from './feed-tables';
import { StoreFeedItemStore } from './store-feed-item-store';

function basicItem(itemId: bigint, accountId: string, revision = 1n): FeedItem {
  return {
    kind: 'basic',
    itemId,
    accountId,
    revision,
    title: `item ${itemId}`,
    imageUrl: 'https://cdn.corebank.test/i.png',
    body: null,
    backgroundColour: null,
    titleColour: null,
    bodyColour: null,
    url: null,
    createdAt: '2026-11-22T01:00:00.000Z',
    updatedAt: '2026-11-22T01:00:00.000Z',
  };
}

describe('StoreFeedItemStore change sequence (SQLite)', () => {
  let store: Store;
  let sut: StoreFeedItemStore;

  beforeEach(async () => {
    store = await SqliteStore.open({ path: ':memory:' });
    await store.migrate(FEED_MIGRATIONS);
    sut = new StoreFeedItemStore(store);
  });

  afterEach(async () => {
    await store.close();
  });

  it('gives racing writers of one account the positions 1..n, each exactly once, per account', async () => {
    const items = Array.from({ length: 8 }, (_, index) => basicItem(BigInt(100 + index), 'acc_a'));
    for (const item of items) {
      await sut.insert(item);
    }

    const positions = await Promise.all([
      ...items.map((item) => sut.appendChange(item)),
      sut.appendChange(basicItem(900n, 'acc_b')),
    ]);

    expect(positions.slice(0, 8).sort((left, right) => Number(left - right))).toEqual([
      1n,
      2n,
      3n,
      4n,
      5n,
      6n,
      7n,
      8n,
    ]);
    expect(positions[8]).toBe(1n);
  });

  it('lists each item changed after a position once, at its latest change, in its current state', async () => {
    const first = basicItem(100n, 'acc_a');
    const second = basicItem(101n, 'acc_a');
    await sut.insert(first);
    await sut.insert(second);
    await sut.appendChange(first); // 1
    await sut.appendChange(second); // 2
    const firstChanged = { ...first, revision: 2n, title: 'renamed' };
    expect(await sut.replace(firstChanged, 1n)).toBe(true);
    await sut.appendChange(firstChanged); // 3

    const afterOne = await sut.listChangesAfter('acc_a', 1n, 10);
    expect(afterOne.map((change) => [change.sequence, change.item.itemId])).toEqual([
      [2n, 101n],
      [3n, 100n],
    ]);
    expect(afterOne[1]?.item).toMatchObject({ revision: 2n, title: 'renamed' });
    expect(await sut.listChangesAfter('acc_a', 3n, 10)).toEqual([]);
    expect(await sut.listChangesAfter('acc_b', 0n, 10)).toEqual([]);
    // The limit bounds the positions read: only position 1 here.
    expect((await sut.listChangesAfter('acc_a', 0n, 1)).map((change) => change.sequence)).toEqual([
      1n,
    ]);
  });
});
