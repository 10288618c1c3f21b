import type { IncomingMessage, ServerResponse } from 'node:http';

import { formatTimeline, type InMemorySpanRecorder } from './span-recorder';

const TRACE_ID = /^[0-9a-f]{32}$/;
/** Ids listed by `GET <prefix>`: the most recent ones, so the answer stays small. */
const LISTED_TRACE_COUNT_MAX = 100;

/**
 * A node:http handler for the trace timelines this process recorded (ARCHITECTURE §10):
 * `GET /traces` lists recent trace ids (JSON), `GET /traces/<trace id>` prints the timeline
 * as text, or as JSON when the request accepts `application/json`. Mount it on an internal port:
 * span names and attributes are scrubbed, but they still describe payments.
 */
export function traceTimelineHandler(
  recorder: InMemorySpanRecorder,
  prefix = '/traces',
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    if (request.method !== 'GET') {
      response.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    const path = (request.url ?? '').split('?')[0] ?? '';
    if (path === prefix) {
      const traceIds = recorder.traceIds().slice(-LISTED_TRACE_COUNT_MAX).reverse();
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ traceIds }));
      return;
    }
    const traceId = path.startsWith(`${prefix}/`) ? path.slice(prefix.length + 1) : undefined;
    if (traceId === undefined || !TRACE_ID.test(traceId)) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('no such trace\n');
      return;
    }
    const timeline = recorder.timeline(traceId);
    if (timeline === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('no such trace\n');
      return;
    }
    if ((request.headers.accept ?? '').includes('application/json')) {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(timeline));
      return;
    }
    response
      .writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
      .end(`${formatTimeline(timeline)}\n`);
  };
}
