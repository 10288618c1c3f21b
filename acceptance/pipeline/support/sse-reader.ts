import { Readable } from 'node:stream';

/**
 * A minimal text/event-stream reader over fetch, as a phone's feed screen would hold one: keeps
 * each `event`/`id`/`data` message (comments and heartbeats skipped), bounded in count.
 */
export interface ServerSentEvent {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

const EVENTS_KEPT_MAX = 1_000;

export interface SseReader {
  readonly events: readonly ServerSentEvent[];
  close(): void;
}

function parseMessage(block: string): ServerSentEvent | undefined {
  let id: string | undefined;
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) {
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (name === 'id') {
      id = value;
    } else if (name === 'event') {
      event = value;
    } else if (name === 'data') {
      data.push(value);
    }
  }
  return data.length === 0 ? undefined : { id, event, data: data.join('\n') };
}

/** Resolves once the server answered 200 with an event stream; events then accumulate. */
export async function openSse(
  url: string,
  headers: Readonly<Record<string, string>>,
  connectTimeoutMs: number,
): Promise<SseReader> {
  const controller = new AbortController();
  const connectTimer = setTimeout(() => controller.abort(), connectTimeoutMs);
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  clearTimeout(connectTimer);
  if (response.status !== 200 || response.body === null) {
    controller.abort();
    throw new Error(`SSE ${url} answered ${response.status}`);
  }
  const events: ServerSentEvent[] = [];
  const body = Readable.fromWeb(response.body);
  let buffered = '';
  body.setEncoding('utf8');
  body.on('data', (chunk: string) => {
    buffered += chunk;
    let boundary = buffered.indexOf('\n\n');
    while (boundary !== -1) {
      const message = parseMessage(buffered.slice(0, boundary));
      buffered = buffered.slice(boundary + 2);
      if (message !== undefined && events.length < EVENTS_KEPT_MAX) {
        events.push(message);
      }
      boundary = buffered.indexOf('\n\n');
    }
  });
  // Ends with an AbortError when closed; nothing to report then.
  body.on('error', () => undefined);
  return { events, close: () => controller.abort() };
}
