import { parseEnrichedTransactionEvent } from '@corebank/domain-transaction-events';

import { enrichedEvent } from '../testing/enriched-events';
import {
  applyMetadataChange,
  applyTransactionEvent,
  feedDeclineReasonOf,
  naturalKeyOf,
  sourceOrderOf,
  type TransactionEventInput,
  type TransactionState,
} from './feed-item';

function input(spec: Parameters<typeof enrichedEvent>[0]): TransactionEventInput {
  const envelope = enrichedEvent(spec);
  const parsed = parseEnrichedTransactionEvent(envelope.type, envelope.data);
  if (parsed.kind !== 'parsed') {
    throw new Error(parsed.reason);
  }
  return {
    eventId: envelope.id,
    type: parsed.value.type,
    occurredAt: envelope.occurredAt,
    data: parsed.value.data,
  };
}

const base = {
  accountId: 'acc_1',
  lifecycleId: 'lc-7',
  amountMinor: 1250n,
  occurredAt: '2026-11-22T01:00:00.000Z',
} as const;

function applied(
  current: { sourceOrder: bigint; transaction: TransactionState } | undefined,
  event: TransactionEventInput,
): { sourceOrder: bigint; transaction: TransactionState } {
  const order = sourceOrderOf(event.eventId, event.data);
  if (order === undefined) {
    throw new Error('no order');
  }
  const outcome = applyTransactionEvent(current, event, order);
  if (outcome.kind !== 'changed') {
    throw new Error(`expected a change, got ${outcome.kind}`);
  }
  return outcome;
}

describe('applyTransactionEvent', () => {
  const authorizedUnenriched = input({
    ...base,
    sourceId: '100',
    type: 'authorization.transaction.authorized.v1',
    enriched: false,
  });
  const authorizedEnriched = input({
    ...base,
    sourceId: '100',
    type: 'authorization.transaction.authorized.v1',
    enriched: true,
  });
  const settled = input({
    ...base,
    sourceId: '101',
    type: 'authorization.transaction.settled.v1',
    enriched: false,
    occurredAt: '2026-11-23T09:00:00.000Z',
  });

  it('shows an authorization as money out, pending, without a settlement time', () => {
    const state = applied(undefined, authorizedUnenriched).transaction;
    expect(state).toMatchObject({
      status: 'authorized',
      amountMinor: -1250n,
      currency: 'GBP',
      settledAt: null,
      merchant: null,
      category: 'eating_out',
    });
  });

  it('settles in place, keeping the merchant learnt from an earlier enriched event and the first creation time', () => {
    const authorized = applied(applied(undefined, authorizedUnenriched), authorizedEnriched);
    const final = applied(authorized, settled).transaction;
    expect(final).toMatchObject({
      status: 'settled',
      amountMinor: -1250n,
      settledAt: '2026-11-23T09:00:00.000Z',
      createdAt: '2026-11-22T01:00:00.000Z',
    });
    expect(final.merchant?.id).toMatch(/^merch_/);
  });

  it('never lets an older event overwrite a newer state, and treats a redelivery as the same', () => {
    const afterSettle = applied(undefined, settled);
    const order = sourceOrderOf(authorizedUnenriched.eventId, authorizedUnenriched.data) ?? 0n;
    expect(applyTransactionEvent(afterSettle, authorizedUnenriched, order).kind).toBe('stale');
    const settleOrder = sourceOrderOf(settled.eventId, settled.data) ?? 0n;
    expect(applyTransactionEvent(afterSettle, settled, settleOrder).kind).toBe('same');
  });

  it('adds a late merchant from an older enriched event without moving the state back', () => {
    const afterSettle = applied(undefined, settled);
    const late = applied(afterSettle, authorizedEnriched);
    expect(late.sourceOrder).toBe(afterSettle.sourceOrder);
    expect(late.transaction.status).toBe('settled');
    expect(late.transaction.merchant?.id).toMatch(/^merch_/);
  });

  it('orders the enriched publication of a source after its unenriched one', () => {
    const unenriched = sourceOrderOf(authorizedUnenriched.eventId, authorizedUnenriched.data) ?? 0n;
    const enriched = sourceOrderOf(authorizedEnriched.eventId, authorizedEnriched.data) ?? 0n;
    expect(enriched).toBeGreaterThan(unenriched);
    expect(sourceOrderOf('not-a-snowflake:enriched', authorizedEnriched.data)).toBeUndefined();
  });

  it('keys a transaction by account and lifecycle', () => {
    expect(naturalKeyOf(settled.data)).toBe(naturalKeyOf(authorizedEnriched.data));
    expect(naturalKeyOf(settled.data)).toBe('acc_1|lifecycle:lc-7');
  });

  it('reports a declined payment with Mondo’s reason', () => {
    const declined = input({
      ...base,
      sourceId: '200',
      type: 'authorization.transaction.declined.v1',
      enriched: true,
      declineReason: 'insufficient_funds',
    });
    expect(applied(undefined, declined).transaction).toMatchObject({
      status: 'declined',
      amountMinor: -1250n,
      declineReason: 'INSUFFICIENT_FUNDS',
    });
  });
});

describe('feedDeclineReasonOf', () => {
  it.each([
    ['insufficient_funds', 'INSUFFICIENT_FUNDS'],
    ['amount_limit:daily', 'INSUFFICIENT_FUNDS'],
    ['card_frozen', 'CARD_BLOCKED'],
    ['card_stolen', 'CARD_BLOCKED'],
    ['card_not_activated', 'CARD_INACTIVE'],
    ['invalid_cvc', 'INVALID_CVC'],
    ['issuer_unavailable', 'OTHER'],
  ])('maps %s to %s', (reason, expected) => {
    expect(feedDeclineReasonOf(reason)).toBe(expected);
  });
});

describe('applyMetadataChange', () => {
  it('sets keys and deletes a key given an empty value', () => {
    expect(applyMetadataChange({ notes: 'a', keep: 'k' }, { notes: '', tag: 'x' })).toEqual({
      kind: 'changed',
      metadata: { keep: 'k', tag: 'x' },
    });
  });

  it('refuses bad keys, long values and too many keys', () => {
    expect(applyMetadataChange({}, { 'bad key': 'x' }).kind).toBe('invalid');
    expect(applyMetadataChange({}, { notes: 'x'.repeat(501) }).kind).toBe('invalid');
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, index) => [`k${index}`, 'v']));
    expect(applyMetadataChange({}, many).kind).toBe('invalid');
  });
});

describe('account_balance (available balance just after the transaction)', () => {
  function withBalance(event: TransactionEventInput, balance: bigint): TransactionEventInput {
    return {
      ...event,
      data: {
        ...event.data,
        transaction: { ...event.data.transaction, availableBalanceAfterMinor: balance },
      },
    };
  }

  it('takes the balance an event carries, keeps it over events that carry none, and is null before any', () => {
    const authorized = input({
      ...base,
      sourceId: '300',
      type: 'authorization.transaction.authorized.v1',
      enriched: true,
    });
    const settled = input({
      ...base,
      sourceId: '301',
      type: 'authorization.transaction.settled.v1',
      enriched: true,
    });

    expect(applied(undefined, authorized).transaction.accountBalanceMinor).toBeNull();
    const first = applied(undefined, withBalance(authorized, 87_50n));
    expect(first.transaction.accountBalanceMinor).toBe(87_50n);
    expect(applied(first, settled).transaction.accountBalanceMinor).toBe(87_50n);
    expect(applied(first, withBalance(settled, 80_00n)).transaction.accountBalanceMinor).toBe(
      80_00n,
    );
  });
});
