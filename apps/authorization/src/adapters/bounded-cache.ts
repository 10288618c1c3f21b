/**
 * A bounded in-process map with a per-entry time to live. When full, the oldest insertion is
 * dropped (Map keeps insertion order; a re-set moves the key to the end). `ttlMs` Infinity keeps
 * entries until evicted (for immutable rows); 0 turns the cache off.
 */
export class BoundedCache<Value> {
  private readonly entries = new Map<string, { value: Value; expiresAtMs: number }>();

  constructor(
    private readonly entriesMax: number,
    private readonly ttlMs: number,
    private readonly nowMs: () => number,
  ) {
    if (!Number.isInteger(entriesMax) || entriesMax < 1) {
      throw new RangeError('entriesMax must be a positive integer');
    }
    if (!(ttlMs >= 0)) {
      throw new RangeError('ttlMs must be ≥ 0');
    }
  }

  get(key: string): Value | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) {
      return undefined;
    }
    if (this.nowMs() >= entry.expiresAtMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: Value): void {
    if (this.ttlMs === 0) {
      return;
    }
    this.entries.delete(key);
    if (this.entries.size >= this.entriesMax) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) {
        this.entries.delete(oldest.value);
      }
    }
    this.entries.set(key, { value, expiresAtMs: this.nowMs() + this.ttlMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
