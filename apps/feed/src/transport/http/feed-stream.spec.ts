import type { ServerResponse } from 'node:http';

import type { FeedItem } from '../../domain/feed-item';
import type { FeedItemChange, FeedItemStore } from '../../ports/feed-item-store.port';
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

function change(sequence: bigint, itemId: bigint, revision = 1n): FeedItemChange {
  return { sequence, item: basicItem(itemId, revision) };
}

/** A store whose replay read waits until the test releases it. */
function heldStore(replayed: readonly FeedItemChange[]): {
  store: FeedItemStore;
  release: () => void;
} {
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
      listChangesAfter: async () => {
        await gate;
        return replayed;
      },
      appendChange: unused,
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
  it('replays the changes after Last-Event-ID, then what changed meanwhile, each revision once', async () => {
    const response = new RecordingResponse();
    // Positions 11 and 12: item 500 changed (an older item, created before the client left) and
    // item 501 was created.
    const { store, release } = heldStore([change(11n, 500n, 3n), change(12n, 501n)]);
    const sut = new FeedStream(settings, store, response as unknown as ServerResponse);
    const started = sut.start('acc_1', 10n);
    sut.offer(change(12n, 501n));
    sut.offer(change(13n, 502n));
    release();
    await started;
    sut.offer(change(14n, 502n, 2n));
    expect(eventIds(response)).toEqual(['11', '12', '13', '14']);
    sut.end();
  });

  it('disconnects a client whose queue passes the bound instead of buffering without limit', async () => {
    const response = new RecordingResponse();
    const { store, release } = heldStore([]);
    const sut = new FeedStream(settings, store, response as unknown as ServerResponse);
    const started = sut.start('acc_1', 10n);
    for (let index = 0; index < 4; index += 1) {
      sut.offer(change(BigInt(20 + index), BigInt(20 + index)));
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
    sut.offer(change(30n, 30n));
    expect(response.ended).toBe(false);
    response.writableLength = settings.bufferEventsMax * 4096 + 1;
    sut.offer(change(31n, 31n));
    expect(response.ended).toBe(true);
    sut.offer(change(32n, 32n));
    expect(eventIds(response)).toEqual(['30', '31']);
  });
});
