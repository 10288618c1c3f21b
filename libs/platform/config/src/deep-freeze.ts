/** Read-only all the way down, as `deepFreeze` makes it at run time. */
export type DeepReadonly<T> = T extends
  string | number | boolean | bigint | symbol | null | undefined
  ? T
  : T extends (...args: never[]) => unknown
    ? T
    : T extends ReadonlyArray<infer Item>
      ? ReadonlyArray<DeepReadonly<Item>>
      : T extends ReadonlyMap<infer Key, infer Value>
        ? ReadonlyMap<Key, DeepReadonly<Value>>
        : T extends ReadonlySet<infer Item>
          ? ReadonlySet<DeepReadonly<Item>>
          : { readonly [Key in keyof T]: DeepReadonly<T[Key]> };

/**
 * Freezes `value` and every object reachable from it, so configuration cannot be changed after
 * boot by a stray assignment. Maps and Sets are refused: `Object.freeze` does not stop their
 * `set`/`add`, so they would only look frozen.
 */
export function deepFreeze<T>(value: T): DeepReadonly<T> {
  const seen = new WeakSet<object>();
  // Iterative walk with an explicit stack: no recursion depth limit to hit on deep trees.
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const current = pending.pop();
    if (typeof current !== 'object' || current === null || seen.has(current)) {
      continue;
    }
    if (current instanceof Map || current instanceof Set) {
      throw new TypeError('configuration must not contain a Map or Set: they cannot be frozen');
    }
    seen.add(current);
    Object.freeze(current);
    for (const child of Object.values(current)) {
      pending.push(child);
    }
  }
  return value as DeepReadonly<T>;
}
