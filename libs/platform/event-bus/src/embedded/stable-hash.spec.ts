import { partitionForKey, stableHash32 } from './stable-hash';

describe('stableHash32 (FNV-1a)', () => {
  it('matches the published FNV-1a test vectors, so partitions never move between versions', () => {
    expect(stableHash32('')).toBe(0x811c9dc5);
    expect(stableHash32('a')).toBe(0xe40c292c);
    expect(stableHash32('foobar')).toBe(0xbf9cf968);
  });

  it('spreads keys over every partition and always maps one key to the same partition', () => {
    const counts = new Array<number>(8).fill(0);
    for (let account = 0; account < 8_000; account += 1) {
      const partition = partitionForKey(`account-${account}`, 8);
      expect(partitionForKey(`account-${account}`, 8)).toBe(partition);
      counts[partition] = (counts[partition] ?? 0) + 1;
    }
    for (const count of counts) {
      expect(count).toBeGreaterThan(700);
      expect(count).toBeLessThan(1_300);
    }
  });
});
