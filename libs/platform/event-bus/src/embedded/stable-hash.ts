/**
 * FNV-1a (32 bit) over the UTF-8 bytes of a key. Stable across processes, versions and
 * platforms, which is what partitioning needs: a key must map to the same partition in every
 * process that opens the log, or per-key order breaks.
 */
export function stableHash32(key: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(key, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

export function partitionForKey(key: string, partitions: number): number {
  return stableHash32(key) % partitions;
}
