import type { ServerResponse } from 'node:http';

import type { FeedItem } from '../../domain/feed-item';
import type { FeedItemStore } from '../../ports/feed-item-store.port';
import { FeedStream } from './feed-stream';

/** A ServerResponse stand-in that records writes and reports a configurable socket backlog. */
class RecordingResponse {
  readonly chunks: string[] = [];
  ended = false;
  writableLength = 0;
  writeHead(): this {
    return this;
  }
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
  end(): void {
    this.ended = true;
  }
}

function basicItem(itemId: bigint, revision = 1n): FeedItem {
  return {
    kind: 'basic',
    itemId,
    accountId: 'acc_1',
    revision,
    title: `item ${itemId}`,
    imageUrl: 'https://cdn.test/i.png',
    body: null,
    backgroundColour: null,
    titleColour: null,
    bodyColour: null,
    url: null,
    createdAt: '2026-11-22T01:00:00.000Z',
    updatedAt: '2026-11-22T01:00:00.000Z',
  };
}

/** A store whose replay read waits until the test releases it. */
function heldStore(replayed: readonly FeedItem[]): { store: FeedItemStore; release: () => void } {
  let release = (): void => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const unused = (): never => {
    throw new Error('not used by FeedStream');
  };
  return {
    release: () => release(),
    store: {
      listFeedAscending: async () => {
        await gate;
        return replayed;
      },
      itemIdForKey: unused,
      get: unused,
      insert: unused,
      replace: unused,
      index: unused,
      listTransactions: unused,
    },
  };
}

const settings = { heartbeatMs: 60_000, bufferEventsMax: 3, resumeItemsMax: 10 };

function eventIds(response: RecordingResponse): string[] {
  return response.chunks.flatMap((chunk) => /^id: (\d+)/.exec(chunk)?.[1] ?? []);
}

describe('FeedStream', () => {
  it('replays missed items, then what changed meanwhile, each revision once', async () => {
    const response = new RecordingResponse();
    const { store, release } = heldStore([basicItem(11n), basicItem(12n)]);
    const sut = new FeedStream(settings, store, response as unknown as ServerResponse);
    const started = sut.start('acc_1', 10n);
    sut.offer(basicItem(12n));
    sut.offer(basicItem(13n));
    release();
    await started;
    sut.offer(basicItem(13n, 2n));
    expect(eventIds(response)).toEqual(['11', '12', '13', '13']);
    sut.end();
  });

  it('disconnects a client whose queue passes the bound instead of buffering without limit', async () => {
    const response = new RecordingResponse();
    const { store, release } = heldStore([]);
    const sut = new FeedStream(settings, store, response as unknown as ServerResponse);
    const started = sut.start('acc_1', 10n);
    for (let index = 0; index < 4; index += 1) {
      sut.offer(basicItem(BigInt(20 + index)));
    }
    expect(response.ended).toBe(true);
    release();
    await started;
    expect(eventIds(response)).toEqual([]);
  });

  it('disconnects a client that stops reading once its socket backlog passes the bound', async () => {
    const response = new RecordingResponse();
    const { store, release } = heldStore([]);
    release();
    const sut = new FeedStream(settings, store, response as unknown as ServerResponse);
    await sut.start('acc_1', undefined);
    sut.offer(basicItem(30n));
    expect(response.ended).toBe(false);
    response.writableLength = settings.bufferEventsMax * 4096 + 1;
    sut.offer(basicItem(31n));
    expect(response.ended).toBe(true);
    sut.offer(basicItem(32n));
    expect(eventIds(response)).toEqual(['30', '31']);
  });
});
