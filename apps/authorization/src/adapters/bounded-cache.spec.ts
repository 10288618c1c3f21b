import { BoundedCache } from './bounded-cache';

describe('BoundedCache', () => {
  it('answers a value until its time to live has passed', () => {
    let nowMs = 1_000;
    const cache = new BoundedCache<string>(10, 500, () => nowMs);
    cache.set('card-1', 'active');
    nowMs = 1_499;
    expect(cache.get('card-1')).toBe('active');
    nowMs = 1_500;
    expect(cache.get('card-1')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('drops the oldest insertion when full, and a re-set counts as new', () => {
    const cache = new BoundedCache<number>(2, Number.POSITIVE_INFINITY, () => 0);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 3);
    cache.set('c', 4);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(3);
    expect(cache.get('c')).toBe(4);
    expect(cache.size).toBe(2);
  });

  it('keeps nothing with a time to live of 0, and forgets a deleted key', () => {
    const off = new BoundedCache<number>(2, 0, () => 0);
    off.set('a', 1);
    expect(off.get('a')).toBeUndefined();
    const cache = new BoundedCache<number>(2, 100, () => 0);
    cache.set('a', 1);
    cache.delete('a');
    expect(cache.get('a')).toBeUndefined();
  });

  it('refuses bounds that would make it unbounded or meaningless', () => {
    expect(() => new BoundedCache<number>(0, 10, () => 0)).toThrow(RangeError);
    expect(() => new BoundedCache<number>(10, Number.NaN, () => 0)).toThrow(RangeError);
  });
});
