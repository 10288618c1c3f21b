import { FEED_ITEM_EVENT_TYPES, parseFeedItemEvent } from './feed-item-event';
import { pushNotificationFor } from './push-content';

function envelope(overrides: { type?: string; key?: string; data?: unknown } = {}) {
  return {
    id: '42',
    type: overrides.type ?? FEED_ITEM_EVENT_TYPES.created,
    occurredAt: '2026-11-22T01:00:00.000Z',
    key: overrides.key ?? 'acc_1',
    data: overrides.data ?? {
      transaction: {
        id: 'tx_1',
        account_id: 'acc_1',
        created: '2026-11-22T01:00:00.000Z',
        amount: '-9007199254740993',
        currency: 'GBP',
        description: 'TFL.GOV.UK/CP',
        merchant: { id: 'merch_1', name: 'Transport for London', emoji: '🚇' },
        extra_field: 'kept',
      },
    },
  };
}

describe('parseFeedItemEvent', () => {
  it('parses a created event, keeping 64-bit amounts exact and unknown fields for webhooks', () => {
    const result = parseFeedItemEvent(envelope());
    expect(result.kind).toBe('parsed');
    if (result.kind !== 'parsed') {
      return;
    }
    expect(result.event.itemId).toBe('tx_1');
    expect(result.event.transaction.amount).toBe(-9_007_199_254_740_993n);
    expect(result.event.transactionJson['extra_field']).toBe('kept');
    expect(result.event.occurredAtMs).toBe(Date.parse('2026-11-22T01:00:00.000Z'));
  });

  it('ignores other event types and refuses broken payloads', () => {
    expect(parseFeedItemEvent(envelope({ type: 'feed.item.deleted.v1' })).kind).toBe('ignored');
    expect(parseFeedItemEvent(envelope({ key: 'acc_2' })).kind).toBe('invalid');
    expect(parseFeedItemEvent(envelope({ data: { transaction: { id: 'tx_1' } } })).kind).toBe(
      'invalid',
    );
    expect(parseFeedItemEvent(envelope({ data: 'nope' })).kind).toBe('invalid');
  });

  it('builds a push whose collapse id is the item and whose expiry is occurredAt + TTL', () => {
    const result = parseFeedItemEvent(envelope());
    if (result.kind !== 'parsed') {
      throw new Error('expected parsed');
    }
    const push = pushNotificationFor(result.event, 60_000);
    expect(push.collapseId).toBe('tx_1');
    expect(push.title).toBe('🚇 Transport for London');
    expect(push.body).toBe('Spent 90071992547409.93 GBP');
    expect(push.expiresAtMs).toBe(Date.parse('2026-11-22T01:01:00.000Z'));
  });
});
