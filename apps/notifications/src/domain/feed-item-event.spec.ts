import { FEED_ITEM_EVENT_TYPES } from '@corebank/domain-transaction-events';

import { feedItemCreated } from '../testing/notifications-harness';
import { parseFeedItemEvent } from './feed-item-event';
import { pushNotificationFor } from './push-content';

function envelope(overrides: { type?: string; key?: string; data?: unknown } = {}) {
  const published = feedItemCreated(7, 'acc_1', new Date('2026-11-22T01:00:00.000Z'));
  return {
    ...published,
    ...(overrides.type === undefined ? {} : { type: overrides.type }),
    ...(overrides.key === undefined ? {} : { key: overrides.key }),
    ...(overrides.data === undefined ? {} : { data: overrides.data }),
  };
}

describe('parseFeedItemEvent', () => {
  it('parses a transaction item as the feed publishes it, keeping the received JSON for webhooks', () => {
    const received = envelope();
    const result = parseFeedItemEvent(received);
    expect(result.kind).toBe('parsed');
    if (result.kind !== 'parsed') {
      return;
    }
    expect(result.event.itemId).toBe('tx_1007');
    expect(result.event.kind).toBe('created');
    expect(result.event.transaction.amount).toBe(-357n);
    expect(result.event.transactionJson).toEqual(
      (received.data as { transaction: unknown }).transaction,
    );
    expect(result.event.occurredAtMs).toBe(Date.parse('2026-11-22T01:00:00.000Z'));
  });

  it('ignores other event types and basic items, and refuses broken payloads', () => {
    expect(parseFeedItemEvent(envelope({ type: 'feed.item.deleted.v1' })).kind).toBe('ignored');
    const basic = {
      type: 'basic',
      item: {
        id: 'feeditem_5',
        account_id: 'acc_1',
        type: 'basic',
        created: '2026-11-22T01:00:00.000Z',
        params: {
          title: 'Hello',
          image_url: 'https://cdn.corebank.test/a.png',
          body: null,
          background_color: null,
          title_color: null,
          body_color: null,
        },
        url: null,
      },
    };
    expect(parseFeedItemEvent(envelope({ data: basic })).kind).toBe('ignored');
    expect(parseFeedItemEvent(envelope({ key: 'acc_2' })).kind).toBe('invalid');
    expect(
      parseFeedItemEvent(envelope({ data: { type: 'transaction', transaction: { id: 'tx_1' } } }))
        .kind,
    ).toBe('invalid');
    expect(parseFeedItemEvent(envelope({ data: 'nope' })).kind).toBe('invalid');
    expect(parseFeedItemEvent({ ...envelope(), occurredAt: 'yesterday' }).kind).toBe('invalid');
    expect(envelope().type).toBe(FEED_ITEM_EVENT_TYPES.created);
  });

  it('builds a push whose collapse id is the item and whose expiry is occurredAt + TTL', () => {
    const result = parseFeedItemEvent(envelope());
    if (result.kind !== 'parsed') {
      throw new Error('expected parsed');
    }
    const push = pushNotificationFor(result.event, 60_000);
    expect(push.collapseId).toBe('tx_1007');
    expect(push.title).toBe('🥪 Pret A Manger');
    expect(push.body).toBe('Spent 3.57 GBP');
    expect(push.expiresAtMs).toBe(Date.parse('2026-11-22T01:01:00.000Z'));
  });
});
