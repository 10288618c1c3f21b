import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { fetchMergedTimeline, type FetchedTimeline, renderTimeline } from './trace-timeline';

function entry(
  name: string,
  service: string,
  depth: number,
  offsetMs: number,
  durationMs: number,
  kind = 'internal',
): FetchedTimeline['entries'][number] {
  return {
    spanId: name,
    startedAtMs: 1_000 + offsetMs,
    name,
    kind,
    service,
    depth,
    offsetMs,
    durationMs,
    status: 'unset',
  };
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

/** An ops port that knows one trace (JSON), as traceTimelineHandler answers. */
async function opsServer(timeline: FetchedTimeline): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    if (request.url === `/traces/${timeline.traceId}`) {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(timeline));
      return;
    }
    response.writeHead(404).end('no such trace\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('fetchMergedTimeline', () => {
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(
      servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
    );
  });

  it("nests one trace's spans from several processes' recorders under their parents", async () => {
    const gateway = await opsServer({
      traceId,
      durationMs: 30,
      droppedSpanCount: 0,
      entries: [
        entry('gateway-root', 'card-gateway', 0, 0, 30),
        {
          ...entry('gateway-call', 'card-gateway', 1, 1, 20, 'client'),
          parentSpanId: 'gateway-root',
        },
      ],
    });
    const ledger = await opsServer({
      traceId,
      durationMs: 10,
      droppedSpanCount: 0,
      entries: [
        // Depth 0 in its own recorder: its parent lives in the gateway's process.
        { ...entry('ledger-server', 'ledger', 0, 5, 10, 'server'), parentSpanId: 'gateway-call' },
        // The same span twice (the one-process bank answers the same on every ops port).
        { ...entry('gateway-root', 'card-gateway', 0, 0, 30) },
      ],
    });
    servers.push(gateway.server, ledger.server);
    const unreachable = 'http://127.0.0.1:9';

    const merged = await fetchMergedTimeline(
      [gateway.url, ledger.url, unreachable],
      traceId,
      2_000,
    );

    expect(merged?.entries.map((span) => [span.spanId, span.depth, span.offsetMs])).toEqual([
      ['gateway-root', 0, 0],
      ['gateway-call', 1, 1],
      ['ledger-server', 2, 5],
    ]);
    expect(merged?.durationMs).toBe(30);
    expect(await fetchMergedTimeline([ledger.url], 'f'.repeat(32), 2_000)).toBeUndefined();
    await expect(fetchMergedTimeline([unreachable], traceId, 2_000)).rejects.toMatchObject({
      code: 'unavailable.traces',
    });
  });
});
