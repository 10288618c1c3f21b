import { type FetchedTimeline, renderTimeline } from './trace-timeline';

function entry(
  name: string,
  service: string,
  depth: number,
  offsetMs: number,
  durationMs: number,
  kind = 'internal',
): FetchedTimeline['entries'][number] {
  return { spanId: name, name, kind, service, depth, offsetMs, durationMs, status: 'unset' };
}

describe('renderTimeline', () => {
  const timeline: FetchedTimeline = {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    durationMs: 40,
    droppedSpanCount: 0,
    entries: [
      entry('card-gateway.process_card_message', 'card-gateway', 0, 0, 40),
      entry('/corebank.ledger.v1.LedgerService/CreateTransfers', 'ledger', 1, 10, 10, 'server'),
      entry('feed.record_transaction', 'feed', 1, 30, 0.01, 'consumer'),
    ],
  };

  it('prints one line per span, indented by depth, with offsets, durations and bars to scale', () => {
    const lines = renderTimeline(timeline).split('\n');
    expect(lines[0]).toBe(
      'trace 0af7651916cd43dd8448eb211c80319c  3 spans over 3 services, 40.0 ms',
    );
    expect(lines).toHaveLength(5);
    const bars = lines.slice(2).map((line) => line.slice(line.indexOf('|')));
    // 40 columns for 40 ms: the whole span, 10 columns from column 10, and at least one column.
    expect(bars[0]).toBe(`|${'█'.repeat(40)}|`);
    expect(bars[1]).toBe(`|${' '.repeat(10)}${'█'.repeat(10)}${' '.repeat(20)}|`);
    expect(bars[2]).toBe(`|${' '.repeat(30)}█${' '.repeat(9)}|`);
    expect(lines[3]).toMatch(/^\s+\+10\.0\s+10\.0\s+ledger\s+ {2}server \/corebank\.ledger\.v1\./);
    expect(lines[4]).toContain('feed');
  });

  it('marks failed spans and says how many spans the recorder dropped', () => {
    const failed: FetchedTimeline = {
      ...timeline,
      droppedSpanCount: 2,
      entries: [{ ...timeline.entries[0], status: 'error' }],
    };
    const text = renderTimeline(failed);
    expect(text.split('\n')[0]).toContain('(2 spans dropped)');
    expect(text.split('\n')[2]).toMatch(/\|  ERROR$/);
  });
});
