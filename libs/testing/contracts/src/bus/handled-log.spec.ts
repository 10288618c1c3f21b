import { checkDelivery, parseHandledLines, type HandledRecord } from './handled-log';

function records(text: string): HandledRecord[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .map((entry) => {
      const [key, sequence] = entry.split(':');
      return { key: key ?? '', sequence: Number(sequence) };
    });
}

const TWO_KEYS = new Map([
  ['a', 3],
  ['b', 2],
]);

describe('checkDelivery', () => {
  it('accepts a complete, ordered run with no duplicates', () => {
    expect(checkDelivery(records('a:0, b:0, a:1, b:1, a:2'), TWO_KEYS, 0)).toEqual({
      events: 5,
      handled: 5,
      duplicates: 0,
      missing: [],
      violations: [],
    });
  });

  it('accepts a replayed suffix after a restart and counts its duplicates', () => {
    const report = checkDelivery(records('a:0, a:1, b:0, a:1, a:2, b:0, b:1'), TWO_KEYS, 1);
    expect(report.violations).toEqual([]);
    expect(report.duplicates).toBe(2);
  });

  it('reports a lost event', () => {
    expect(checkDelivery(records('a:0, a:2, b:0, b:1'), TWO_KEYS, 1).missing).toEqual(['a:1']);
  });

  it('reports events of one key handled out of order', () => {
    const report = checkDelivery(records('a:0, a:2, a:1, b:0, b:1'), TWO_KEYS, 1);
    expect(report.violations).toEqual(['#1: a:2 handled right after a:0']);
  });

  it('reports a replay that skips part of the suffix', () => {
    const report = checkDelivery(records('a:0, a:1, a:2, a:0, a:2, b:0, b:1'), TWO_KEYS, 1);
    expect(report.violations).toEqual(['#4: a:2 handled right after a:0']);
  });

  it('reports more replays than consumer restarts', () => {
    const report = checkDelivery(records('a:0, a:0, a:0, a:1, a:2, b:0, b:1'), TWO_KEYS, 1);
    expect(report.violations).toEqual(['#2: a replayed 2 times (at most 1 expected)']);
  });

  it('reports events that were never published', () => {
    const report = checkDelivery(records('a:0, a:1, a:2, a:3, c:0, b:0, b:1'), TWO_KEYS, 0);
    expect(report.violations).toEqual(['#3: unexpected event a:3', '#4: unexpected event c:0']);
  });
});

describe('parseHandledLines', () => {
  it('reads complete lines and ignores a torn last line', () => {
    expect(parseHandledLines('k-1 0\nk-2 17\nk-1 1')).toEqual([
      { key: 'k-1', sequence: 0 },
      { key: 'k-2', sequence: 17 },
    ]);
  });
});
