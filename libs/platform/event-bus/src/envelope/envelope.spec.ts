import { isPlatformError } from '@corebank/platform-errors';

import type { EventEnvelope } from '../event-bus.port';
import { decodeEnvelope, encodeEnvelope, EVENT_HEADERS, parseEnvelope } from './envelope';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

function valid(overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  return {
    id: '7254120000000000001',
    type: 'authorization.transaction.authorized.v1',
    version: 1,
    occurredAt: '2026-11-22T00:44:35.123Z',
    key: 'account-42',
    traceparent: TRACEPARENT,
    data: { amountMinor: '1250', currency: 'GBP' },
    ...overrides,
  };
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return isPlatformError(error) ? error.code : `non-platform: ${String(error)}`;
  }
  return undefined;
}

describe('parseEnvelope', () => {
  it('accepts a well-formed envelope, with or without traceparent', () => {
    expect(parseEnvelope(valid())).toEqual({ kind: 'parsed', envelope: valid() });
    const { traceparent: _traceparent, ...untraced } = valid();
    expect(parseEnvelope(untraced)).toEqual({ kind: 'parsed', envelope: untraced });
  });

  it.each<[string, unknown]>([
    ['not an object', 'hello'],
    ['a missing id', { ...valid(), id: undefined }],
    ['an empty key', valid({ key: '' })],
    ['a type outside the naming rule', valid({ type: 'TransferPosted' })],
    ['a version that disagrees with the type suffix', valid({ version: 2 })],
    ['a non-UTC occurredAt', valid({ occurredAt: '2026-11-22T01:00:00+01:00' })],
    ['a malformed traceparent', valid({ traceparent: 'abc' })],
    ['missing data', { ...valid(), data: undefined }],
    ['an unknown field', { ...valid(), extra: true }],
    ['a control character in the key', valid({ key: 'a\nb' })],
  ])('rejects %s', (_label, candidate) => {
    expect(parseEnvelope(candidate).kind).toBe('invalid');
  });
});

describe('encodeEnvelope / decodeEnvelope', () => {
  it('round-trips and copies type, id and traceparent into headers', () => {
    const sut = encodeEnvelope(valid());
    expect(sut.key).toBe('account-42');
    expect(sut.headers).toEqual({
      [EVENT_HEADERS.eventType]: 'authorization.transaction.authorized.v1',
      [EVENT_HEADERS.eventId]: '7254120000000000001',
      [EVENT_HEADERS.traceparent]: TRACEPARENT,
      [EVENT_HEADERS.contentType]: 'application/json',
    });
    expect(decodeEnvelope(sut.value, sut.headers)).toEqual({ kind: 'parsed', envelope: valid() });
  });

  it('takes traceparent from the header when the body has none', () => {
    const { traceparent: _traceparent, ...untraced } = valid();
    const encoded = encodeEnvelope(untraced);
    const decoded = decodeEnvelope(encoded.value, { traceparent: TRACEPARENT });
    expect(decoded).toEqual({ kind: 'parsed', envelope: valid() });
  });

  it('reports bytes that are not JSON as invalid', () => {
    expect(decodeEnvelope(Buffer.from([0xff, 0x00, 0x7b]), {})).toEqual({
      kind: 'invalid',
      reason: 'value is not JSON',
    });
  });

  it('refuses to publish invalid, non-serialisable or oversized events', () => {
    expect(codeOf(() => encodeEnvelope(valid({ type: 'bad' })))).toBe('invalid.event_envelope');
    expect(codeOf(() => encodeEnvelope(valid({ data: { amountMinor: 1250n } })))).toBe(
      'invalid.event_envelope',
    );
    expect(codeOf(() => encodeEnvelope(valid({ data: 'x'.repeat(1_100_000) })))).toBe(
      'invalid.event_envelope',
    );
  });
});
