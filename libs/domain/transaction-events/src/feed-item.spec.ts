import {
  FEED_ITEM_EVENT_TYPES,
  type FeedItemEventDataJson,
  type FeedTransactionJson,
  parseFeedItemEvent,
} from './index';

function transaction(overrides: Partial<FeedTransactionJson> = {}): FeedTransactionJson {
  return {
    id: 'tx_123456789012345678',
    account_id: 'acc_1',
    created: '2026-11-22T01:00:00.000Z',
    amount: -1250,
    currency: 'GBP',
    local_amount: -1250,
    local_currency: 'GBP',
    description: 'PRET A MANGER',
    merchant: {
      id: 'merch_42',
      group_id: 'grp_pret',
      name: 'Pret A Manger',
      logo: 'https://cdn.example.com/pret.png',
      emoji: '🥪',
      category: 'eating_out',
      created: '2026-11-22T00:00:00.000Z',
      address: null,
    },
    category: 'eating_out',
    notes: '',
    metadata: {},
    is_load: false,
    settled: '',
    status: 'authorized',
    updated: '2026-11-22T01:00:00.000Z',
    ...overrides,
  };
}

function data(overrides: Partial<FeedTransactionJson> = {}): FeedItemEventDataJson {
  return { type: 'transaction', transaction: transaction(overrides) };
}

describe('feed item event (feed.items.v1)', () => {
  it('parses created and updated transaction items, amounts to bigint', () => {
    for (const [kind, type] of Object.entries(FEED_ITEM_EVENT_TYPES)) {
      const result = parseFeedItemEvent(type, 'acc_1', data());
      expect(result.kind).toBe('parsed');
      if (result.kind === 'parsed' && result.value.data.type === 'transaction') {
        expect(result.value.kind).toBe(kind);
        expect(result.value.data.transaction.amount).toBe(-1250n);
      }
    }
  });

  it('takes a merchant id or null instead of the expanded merchant, and a settlement instant', () => {
    for (const merchant of ['merch_42', null]) {
      expect(parseFeedItemEvent('feed.item.updated.v1', 'acc_1', data({ merchant })).kind).toBe(
        'parsed',
      );
    }
    const settled = data({ settled: '2026-11-23T01:00:00.000Z', status: 'settled' });
    expect(parseFeedItemEvent('feed.item.updated.v1', 'acc_1', settled).kind).toBe('parsed');
  });

  it('ignores unknown types and refuses broken items without quoting values', () => {
    expect(parseFeedItemEvent('feed.item.deleted.v1', 'acc_1', data()).kind).toBe('ignored');
    expect(parseFeedItemEvent(FEED_ITEM_EVENT_TYPES.created, 'acc_2', data()).kind).toBe('invalid');
    const fractional = parseFeedItemEvent(FEED_ITEM_EVENT_TYPES.created, 'acc_1', {
      ...data(),
      transaction: { ...transaction(), amount: 12.5 },
    });
    expect(fractional.kind === 'invalid' && fractional.reason).toMatch(/^transaction\.amount: /);
    const status = parseFeedItemEvent(FEED_ITEM_EVENT_TYPES.created, 'acc_1', {
      ...data(),
      transaction: { ...transaction(), status: '4111111111111111' },
    });
    expect(status.kind === 'invalid' && status.reason).not.toContain('4111111111111111');
    expect(parseFeedItemEvent(FEED_ITEM_EVENT_TYPES.created, 'acc_1', { type: 'other' }).kind).toBe(
      'invalid',
    );
  });
});

describe('feed transaction account_balance', () => {
  it('is optional, and an integer when present', () => {
    const base = { type: 'transaction' as const, transaction: transaction() };
    expect(parseFeedItemEvent(FEED_ITEM_EVENT_TYPES.created, 'acc_1', base).kind).toBe('parsed');
    const withBalance = parseFeedItemEvent(FEED_ITEM_EVENT_TYPES.created, 'acc_1', {
      type: 'transaction',
      transaction: { ...transaction(), account_balance: 8750 },
    });
    expect(
      withBalance.kind === 'parsed' &&
        withBalance.value.data.type === 'transaction' &&
        withBalance.value.data.transaction.account_balance,
    ).toBe(8750n);
    expect(
      parseFeedItemEvent(FEED_ITEM_EVENT_TYPES.created, 'acc_1', {
        type: 'transaction',
        transaction: { ...transaction(), account_balance: '8750' },
      }).kind,
    ).toBe('invalid');
  });
});
