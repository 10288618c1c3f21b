import fc from 'fast-check';

import type { JsonValue } from '@corebank/platform-storage';

import { envelopeFromJson, envelopeToJson } from './authorization-row-mapping';

const ENVELOPE_FIELDS = {
  id: 'evt-1',
  type: 'authorization.transaction.authorized.v1',
  version: 1,
  occurredAt: '2026-11-22T02:00:00.000Z',
  key: 'acct-1',
};

/** fast-check's JSON type has no readonly arrays; the value is the same document. */
function asStoredJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}

describe('envelopeFromJson', () => {
  it('reads back every JSON document stored as event data, unchanged', () => {
    fc.assert(
      fc.property(
        fc.jsonValue().map(asStoredJson),
        fc.option(fc.string(), { nil: undefined }),
        (data, traceparent) => {
          const envelope =
            traceparent === undefined
              ? { ...ENVELOPE_FIELDS, data }
              : { ...ENVELOPE_FIELDS, traceparent, data };
          const stored: unknown = JSON.parse(JSON.stringify(envelopeToJson(envelope)));
          expect(envelopeFromJson(stored)).toEqual(JSON.parse(JSON.stringify(envelope)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it.each([
    ['NaN', { amount: Number.NaN }],
    ['undefined inside an array', [1, undefined]],
    ['a function', { call: () => 1 }],
    ['a Date', { at: new Date(0) }],
    ['a Map', { entries: new Map() }],
    ['a bigint', { amount: 1n }],
  ])('refuses data that is not JSON: %s', (_name, data) => {
    expect(() => envelopeFromJson({ ...ENVELOPE_FIELDS, data })).toThrow();
  });

  it('refuses an envelope without its fields', () => {
    expect(() => envelopeFromJson({ ...ENVELOPE_FIELDS, id: 7, data: null })).toThrow();
    expect(() => envelopeFromJson({ type: 'x', data: {} })).toThrow();
  });
});
