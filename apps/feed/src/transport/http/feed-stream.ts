import type { ServerResponse } from 'node:http';

import { feedItemView } from '../../application/feed-item-view';
import type { FeedItemChange, FeedItemStore } from '../../ports/feed-item-store.port';

export interface FeedStreamSettings {
  readonly heartbeatMs: number;
  /** Events waiting for a slow client (or during the replay) before it is disconnected. */
  readonly bufferEventsMax: number;
  readonly resumeItemsMax: number;
}

/**
 * One SSE connection of one account's feed. Event ids are positions in the account's change
 * sequence, so a client that reconnects with Last-Event-ID gets every item created or changed
 * after the last change it saw (each once, in its current state, reading up to resumeItemsMax
 * positions), then live changes. Changes announced while the replay reads the store wait in
 * a bounded queue; a client that cannot keep up is disconnected rather than buffered without
 * limit, and resumes.
 */
export class FeedStream {
  private replaying = true;
  private readonly pending: FeedItemChange[] = [];
  private readonly written = new Set<string>();
  private heartbeat: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    private readonly settings: FeedStreamSettings,
    private readonly items: FeedItemStore,
    private readonly response: ServerResponse,
  ) {}

  async start(accountId: string, resumeAfter: bigint | undefined): Promise<void> {
    this.response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    this.response.write(': connected\n\n');
    this.heartbeat = setInterval(() => {
      if (!this.ended) {
        this.response.write(': heartbeat\n\n');
      }
    }, this.settings.heartbeatMs);
    if (resumeAfter !== undefined) {
      const missed = await this.items.listChangesAfter(
        accountId,
        resumeAfter,
        this.settings.resumeItemsMax,
      );
      for (const change of missed) {
        this.write(change);
      }
    }
    this.replaying = false;
    for (const change of this.pending.splice(0)) {
      this.write(change);
    }
  }

  offer(change: FeedItemChange): void {
    if (this.ended) {
      return;
    }
    if (this.replaying) {
      if (this.pending.length >= this.settings.bufferEventsMax) {
        this.end();
        return;
      }
      this.pending.push(change);
      return;
    }
    this.write(change);
  }

  end(): void {
    if (this.ended) {
      return;
    }
    this.ended = true;
    clearInterval(this.heartbeat);
    this.response.end();
  }

  private write({ sequence, item }: FeedItemChange): void {
    if (this.ended) {
      return;
    }
    // The replay and the live queue can both hold one change; send each revision once.
    const revisionKey = `${item.itemId}:${item.revision}`;
    if (this.written.has(revisionKey)) {
      return;
    }
    if (this.written.size >= this.settings.bufferEventsMax * 4) {
      this.written.clear();
    }
    this.written.add(revisionKey);
    this.response.write(
      `id: ${sequence}\nevent: feed_item\ndata: ${JSON.stringify(feedItemView(item))}\n\n`,
    );
    // writableLength counts bytes the socket has not taken yet: a client that stops reading
    // would otherwise make this process hold every event for it.
    if (this.response.writableLength > this.settings.bufferEventsMax * 4096) {
      this.end();
    }
  }
}
