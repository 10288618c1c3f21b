import { z } from 'zod';

import {
  envBoolean,
  envEnum,
  envInteger,
  envList,
  envMilliseconds,
  envString,
  type EnvSchema,
} from './env-schemas';

function parse<T>(schema: EnvSchema<T>, raw: string | undefined): T | string {
  const result = schema.safeParse(raw);
  return result.success ? result.data : `error: ${result.error.issues[0]?.message}`;
}

describe('env schemas', () => {
  describe('envInteger', () => {
    it('accepts decimal integers within the bounds', () => {
      expect(parse(envInteger({ min: 0, max: 1023 }), '1023')).toBe(1023);
      expect(parse(envInteger({ min: -5, max: 5 }), '-5')).toBe(-5);
    });

    it.each(['0x10', '1e3', '1.5', 'ten', '', '99999999999999999999'])(
      'refuses %p, which Number() would have turned into something',
      (raw) => {
        expect(parse(envInteger(), raw)).toBe(
          `error: expected an integer in ${Number.MIN_SAFE_INTEGER}..${Number.MAX_SAFE_INTEGER}`,
        );
      },
    );

    it('refuses values outside the bounds and names the range', () => {
      expect(parse(envInteger({ min: 0, max: 1023 }), '1024')).toBe(
        'error: expected an integer in 0..1023',
      );
    });

    it('uses the default when unset and refuses a default outside its own bounds', () => {
      expect(parse(envInteger({ default: 7 }), undefined)).toBe(7);
      expect(() => envInteger({ min: 0, max: 10, default: 11 })).toThrow(RangeError);
    });

    it('reports an unset variable without a default as required', () => {
      expect(parse(envInteger(), undefined)).toBe('error: required');
    });
  });

  it('envMilliseconds refuses negative durations', () => {
    expect(parse(envMilliseconds(), '-1')).toMatch(/^error: expected an integer in 0\.\./);
    expect(parse(envMilliseconds({ max: 100 }), '100')).toBe(100);
  });

  it('envBoolean accepts only true/false/1/0, case-insensitively', () => {
    expect(parse(envBoolean(), 'TRUE')).toBe(true);
    expect(parse(envBoolean(), '0')).toBe(false);
    expect(parse(envBoolean(), 'yes')).toBe('error: expected true, false, 1 or 0');
    expect(parse(envBoolean({ default: false }), undefined)).toBe(false);
  });

  it('envEnum accepts exactly the listed words', () => {
    const sut = envEnum(['config', 'etcd']);
    expect(parse(sut, 'etcd')).toBe('etcd');
    expect(parse(sut, 'ETCD')).toBe('error: expected one of config, etcd');
  });

  describe('envList', () => {
    it('splits on commas and trims items', () => {
      expect(parse(envList(), ' a, b ,c')).toEqual(['a', 'b', 'c']);
    });

    it('refuses an empty item instead of dropping it', () => {
      expect(parse(envList(), 'a,,b')).toBe('error: item 2 is empty');
    });

    it('validates each item with the given schema and names the bad position', () => {
      const sut = envList(z.string().url());
      expect(parse(sut, 'http://127.0.0.1:2379,http://127.0.0.1:2380')).toHaveLength(2);
      expect(parse(sut, 'http://127.0.0.1:2379,not a url')).toBe('error: item 2: Invalid url');
    });

    it('enforces the item count bounds', () => {
      expect(parse(envList(undefined, { maxItems: 2 }), 'a,b,c')).toBe(
        'error: expected 1..2 comma-separated items',
      );
    });
  });

  it('envString keeps the value exactly as given', () => {
    expect(parse(envString(), ' s3cr3t ')).toBe(' s3cr3t ');
    expect(parse(envString({ minLength: 16 }), 'short')).toBe(
      'error: expected at least 16 characters',
    );
  });
});
