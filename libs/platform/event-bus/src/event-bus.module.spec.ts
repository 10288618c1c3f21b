import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Inject, Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';

import { EVENT_BUS, type EventBus, type EventEnvelope } from './event-bus.port';
import { EventBusModule } from './event-bus.module';

@Injectable()
class RecordFeedItem {
  constructor(@Inject(EVENT_BUS) readonly bus: EventBus) {}
}

describe('EventBusModule.forRoot', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'corebank-bus-module-'));
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('injects the configured bus and drains it when the application closes', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventBusModule.forRoot(() => ({ engine: 'embedded', path: join(directory, 'bus.sqlite') })),
      ],
      providers: [RecordFeedItem],
    }).compile();
    const sut = moduleRef.get(RecordFeedItem);
    const received: EventEnvelope[] = [];
    await sut.bus.subscribe({
      topic: 'feed.item.recorded.v1',
      groupId: 'module-spec',
      handler: (event) => {
        received.push(event);
        return Promise.resolve();
      },
    });
    const event: EventEnvelope = {
      id: '1',
      type: 'feed.item.recorded.v1',
      version: 1,
      occurredAt: '2026-11-22T00:00:00.000Z',
      key: 'account-1',
      data: {},
    };
    await sut.bus.publish('feed.item.recorded.v1', [event]);
    for (let turn = 0; turn < 200 && received.length === 0; turn += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(received).toEqual([event]);

    await moduleRef.close();

    await expect(sut.bus.ping()).rejects.toMatchObject({ code: 'unavailable.bus' });
  });
});
