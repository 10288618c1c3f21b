/**
 * The record a contract consumer writes for every handled event, and the checks the bus
 * contract runs over it. Kept apart from the suite so the checks have their own unit tests.
 */
export interface HandledRecord {
  readonly key: string;
  /** Position of the event among the events of its key, from 0, in publish order. */
  readonly sequence: number;
}

export interface DeliveryReport {
  readonly events: number;
  readonly handled: number;
  readonly duplicates: number;
  /** `key:sequence` of events never handled (at most 20 listed). */
  readonly missing: readonly string[];
  /** Order problems, in words (at most 20 listed). */
  readonly violations: readonly string[];
}

const LISTED_MAX = 20;

export function formatHandledLine(record: HandledRecord): string {
  return `${record.key} ${record.sequence}\n`;
}

/** Parses the lines a consumer appended; a torn last line (no newline) is ignored. */
export function parseHandledLines(text: string): HandledRecord[] {
  const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
  return complete
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const [key, sequence] = line.split(' ');
      if (key === undefined || sequence === undefined || !/^\d+$/.test(sequence)) {
        throw new Error(`malformed handled line: ${JSON.stringify(line)}`);
      }
      return { key, sequence: Number(sequence) };
    });
}

/**
 * Checks at-least-once delivery with per-key order over the handled records, in handling order:
 *
 * - every event (`key`, 0..count-1) was handled at least once;
 * - per key, each record is either the successor of the previous record of that key, or a step
 *   back that starts a replay (redelivery after a consumer restart). A replay must then run
 *   forward one by one, so redeliveries only replay a suffix and first deliveries are increasing
 *   with no gap;
 * - per key, at most `replaysMax` replays (one per consumer restart).
 */
export function checkDelivery(
  records: readonly HandledRecord[],
  eventsPerKey: ReadonlyMap<string, number>,
  replaysMax: number,
): DeliveryReport {
  const violations: string[] = [];
  const seen = new Map<string, Set<number>>();
  const previous = new Map<string, number>();
  const replays = new Map<string, number>();
  for (const [index, record] of records.entries()) {
    const expected = eventsPerKey.get(record.key);
    if (expected === undefined || record.sequence >= expected) {
      violations.push(`#${index}: unexpected event ${record.key}:${record.sequence}`);
      continue;
    }
    const before = previous.get(record.key) ?? -1;
    if (record.sequence <= before) {
      const count = (replays.get(record.key) ?? 0) + 1;
      replays.set(record.key, count);
      if (count > replaysMax) {
        violations.push(
          `#${index}: ${record.key} replayed ${count} times (at most ${replaysMax} expected)`,
        );
      }
    } else if (record.sequence !== before + 1) {
      violations.push(
        `#${index}: ${record.key}:${record.sequence} handled right after ${record.key}:${before}`,
      );
    }
    previous.set(record.key, record.sequence);
    const sequences = seen.get(record.key) ?? new Set<number>();
    sequences.add(record.sequence);
    seen.set(record.key, sequences);
  }
  const missing: string[] = [];
  let events = 0;
  let distinct = 0;
  for (const [key, count] of eventsPerKey) {
    events += count;
    const sequences = seen.get(key) ?? new Set<number>();
    distinct += sequences.size;
    for (let sequence = 0; sequence < count && missing.length < LISTED_MAX; sequence += 1) {
      if (!sequences.has(sequence)) {
        missing.push(`${key}:${sequence}`);
      }
    }
  }
  return {
    events,
    handled: records.length,
    duplicates: records.length - distinct,
    missing,
    violations: violations.slice(0, LISTED_MAX),
  };
}
