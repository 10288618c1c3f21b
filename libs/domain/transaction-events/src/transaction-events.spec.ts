import {
  type AuthorizationTransactionDataJson,
  authorizationTransactionDataToJson,
  type EnrichedTransactionDataJson,
  enrichedTransactionDataToJson,
  enrichedTransactionEventId,
  parseAuthorizationTransactionEvent,
  parseEnrichedTransactionEvent,
  TRANSACTION_TOPICS,
} from './index';

function authorizationPayload(
  overrides: Partial<AuthorizationTransactionDataJson> = {},
): AuthorizationTransactionDataJson {
  return {
    txnId: '900001',
    decisionId: '7412',
    lifecycleId: 'lc-1',
    messageKind: 'auth_requested',
    mtid: '0100',
    txnType: 'A',
    cardToken: '123456789',
    accountId: 'acc_1',
    responseCode: '00',
    declineReason: '',
    billAmountMinor: '-1250',
    billCurrency: 'GBP',
    txnAmountMinor: '-1250',
    txnCurrency: 'GBP',
    holdChangeMinor: '1250',
    postedMinor: '0',
    mcc: '5812',
    merchant: {
      name: 'PRET A MANGER',
      city: 'LONDON',
      region: '',
      country: 'GBR',
      merchantId: 'MID0001',
      terminalId: 'T1',
      nameLocationRaw: 'PRET A MANGER          LONDON       GBR',
    },
    txnCountry: 'GBR',
    processorTimestamp: '2026-11-22 01:00:00.000',
    receivedAt: '2026-11-22T01:00:00.000Z',
    flags: [],
    ...overrides,
  };
}

describe('authorization transaction payload', () => {
  it('parses amounts to bigint and round-trips to the same JSON', () => {
    const json = authorizationPayload({ billAmountMinor: '-9223372036854775808' });
    const result = parseAuthorizationTransactionEvent(
      'authorization.transaction.authorized.v1',
      json,
    );
    if (result.kind !== 'parsed') {
      throw new Error(result.reason);
    }
    expect(result.value.data.billAmountMinor).toBe(-9_223_372_036_854_775_808n);
    expect(result.value.data.holdChangeMinor).toBe(1250n);
    expect(authorizationTransactionDataToJson(result.value.data)).toEqual(json);
  });

  it('carries the optional available balance after the message, round-tripped', () => {
    const json = authorizationPayload({ availableBalanceAfterMinor: '8750' });
    const result = parseAuthorizationTransactionEvent(
      'authorization.transaction.authorized.v1',
      json,
    );
    if (result.kind !== 'parsed') {
      throw new Error(result.reason);
    }
    expect(result.value.data.availableBalanceAfterMinor).toBe(8750n);
    expect(authorizationTransactionDataToJson(result.value.data)).toEqual(json);
  });

  it.each([
    ['a number amount', { billAmountMinor: 1250 }],
    ['a decimal point', { billAmountMinor: '12.50' }],
    ['a leading zero', { postedMinor: '01' }],
    ['minus zero', { postedMinor: '-0' }],
    ['an amount beyond int64', { txnAmountMinor: '9223372036854775808' }],
    ['an unknown message kind', { messageKind: 'refund_requested' }],
    ['a lower-case currency', { billCurrency: 'gbp' }],
    ['a non-UTC receivedAt', { receivedAt: '2026-11-22T01:00:00+01:00' }],
    ['an empty txnId', { txnId: '' }],
  ])('refuses %s', (_label, override) => {
    const json: unknown = { ...authorizationPayload(), ...override };
    const result = parseAuthorizationTransactionEvent(
      'authorization.transaction.authorized.v1',
      json,
    );
    expect(result.kind).toBe('invalid');
  });

  it('drops unknown fields (additive v1 changes), refuses a missing field and an unknown type', () => {
    const extra: unknown = { ...authorizationPayload(), addedLater: 'x' };
    const parsedExtra = parseAuthorizationTransactionEvent(
      'authorization.transaction.authorized.v1',
      extra,
    );
    expect(parsedExtra.kind === 'parsed' && 'addedLater' in parsedExtra.value.data).toBe(false);
    expect(parsedExtra.kind).toBe('parsed');
    const { terminalId: _dropped, ...merchant } = authorizationPayload().merchant;
    expect(
      parseAuthorizationTransactionEvent('authorization.transaction.authorized.v1', {
        ...authorizationPayload(),
        merchant,
      }).kind,
    ).toBe('invalid');
    const unknownType = parseAuthorizationTransactionEvent(
      'authorization.transaction.refunded.v1',
      authorizationPayload(),
    );
    expect(unknownType).toEqual({
      kind: 'invalid',
      reason: 'unknown event type "authorization.transaction.refunded.v1"',
    });
  });

  it('names the failing path without echoing values', () => {
    const result = parseAuthorizationTransactionEvent('authorization.transaction.declined.v1', {
      ...authorizationPayload(),
      cardToken: 4111111111111111,
    });
    expect(result.kind).toBe('invalid');
    if (result.kind === 'invalid') {
      expect(result.reason).toContain('cardToken');
      expect(result.reason).not.toContain('4111111111111111');
    }
    const enumResult = parseAuthorizationTransactionEvent('authorization.transaction.declined.v1', {
      ...authorizationPayload(),
      messageKind: '4111111111111111',
    });
    expect(enumResult.kind === 'invalid' && enumResult.reason).toMatch(
      /^messageKind: expected one of auth_requested, /,
    );
    expect(enumResult.kind === 'invalid' && enumResult.reason).not.toContain('4111111111111111');
  });
});

describe('enriched transaction payload', () => {
  const merchant: NonNullable<EnrichedTransactionDataJson['merchant']> = {
    id: 'merch_123456789012345678',
    groupId: 'grp_pret-a-manger',
    name: 'Pret A Manger',
    category: 'eating_out',
    emoji: '🥪',
    logoUrl: 'https://cdn.example.com/logos/pret-a-manger.png',
    createdAt: '2026-11-22T01:00:00.000Z',
    address: {
      address: null,
      city: 'London',
      region: null,
      country: 'GBR',
      postcode: null,
      latitude: null,
      longitude: null,
    },
  };

  it('round-trips an enriched payload', () => {
    const json: EnrichedTransactionDataJson = {
      transaction: authorizationPayload(),
      merchant,
      enrichment: { status: 'enriched' },
    };
    const result = parseEnrichedTransactionEvent('authorization.transaction.settled.v1', json);
    if (result.kind !== 'parsed') {
      throw new Error(result.reason);
    }
    expect(result.value.data.transaction.billAmountMinor).toBe(-1250n);
    expect(enrichedTransactionDataToJson(result.value.data)).toEqual(json);
  });

  it('requires a merchant exactly when enriched, and a reason when not', () => {
    const enrichedWithoutMerchant = {
      transaction: authorizationPayload(),
      merchant: null,
      enrichment: { status: 'enriched' },
    };
    const unenrichedWithMerchant = {
      transaction: authorizationPayload(),
      merchant,
      enrichment: { status: 'unenriched', reason: 'failed' },
    };
    const unenrichedWithoutReason = {
      transaction: authorizationPayload(),
      merchant: null,
      enrichment: { status: 'unenriched' },
    };
    const unenriched = {
      transaction: authorizationPayload(),
      merchant: null,
      enrichment: { status: 'unenriched', reason: 'deadline_exceeded' },
    };
    const type = 'authorization.transaction.authorized.v1';
    expect(parseEnrichedTransactionEvent(type, enrichedWithoutMerchant).kind).toBe('invalid');
    expect(parseEnrichedTransactionEvent(type, unenrichedWithMerchant).kind).toBe('invalid');
    expect(parseEnrichedTransactionEvent(type, unenrichedWithoutReason).kind).toBe('invalid');
    expect(parseEnrichedTransactionEvent(type, unenriched).kind).toBe('parsed');
  });

  it('refuses a merchant id that is not merch_ + snowflake', () => {
    const json = {
      transaction: authorizationPayload(),
      merchant: { ...merchant, id: 'merch_abc' },
      enrichment: { status: 'enriched' },
    };
    expect(
      parseEnrichedTransactionEvent('authorization.transaction.authorized.v1', json).kind,
    ).toBe('invalid');
  });
});

describe('enrichedTransactionEventId', () => {
  it('is deterministic per source id and status, and differs between the two statuses', () => {
    expect(enrichedTransactionEventId('7290000000000000001', 'enriched')).toBe(
      '7290000000000000001:enriched',
    );
    expect(enrichedTransactionEventId('7290000000000000001', 'unenriched')).toBe(
      '7290000000000000001:unenriched',
    );
  });

  it('refuses ids that would not fit an envelope', () => {
    expect(enrichedTransactionEventId('', 'enriched')).toBeUndefined();
    expect(enrichedTransactionEventId('1'.repeat(101), 'enriched')).toBeUndefined();
    expect(enrichedTransactionEventId('1'.repeat(100), 'enriched')).toHaveLength(109);
  });
});

it('names the three pipeline topics', () => {
  expect(TRANSACTION_TOPICS).toEqual({
    authorization: 'authorization.transactions.v1',
    enrichment: 'enrichment.transactions.v1',
    feedItems: 'feed.items.v1',
  });
});
