import { fullJitterBackoffMs } from './backoff';

describe('fullJitterBackoffMs', () => {
  it('draws from [0, initial * 2^(attempt-1)] capped at the maximum', () => {
    expect(fullJitterBackoffMs(1, 100, 5_000, () => 0.999)).toBe(99);
    expect(fullJitterBackoffMs(3, 100, 5_000, () => 0.5)).toBe(200);
    expect(fullJitterBackoffMs(10, 100, 5_000, () => 0.999)).toBe(4_995);
    expect(fullJitterBackoffMs(4, 100, 5_000, () => 0)).toBe(0);
  });

  it('stays finite for huge attempt numbers', () => {
    expect(fullJitterBackoffMs(10_000, 100, 5_000, () => 0.5)).toBe(2_500);
  });
});
