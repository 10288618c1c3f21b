import { type ClientRequest, request } from 'node:http';

/** One Server-Sent Event (only the fields the feed uses). */
export interface ServerSentEvent {
  readonly id: string;
  readonly event: string;
  readonly data: string;
}

/**
 * Incremental parser of a `text/event-stream` body (WHATWG HTML §9.2): events end at a blank
 * line, `data:` lines join with newlines, lines starting with `:` are comments (the feed's
 * heartbeats). Bytes arrive in arbitrary chunks, so a partial line waits for the next chunk; the
 * partial text is bounded so a stream that never ends a line cannot grow it without limit.
 */
export class ServerSentEventParser {
  private partial = '';
  private id = '';
  private event = '';
  private dataLines: string[] = [];

  constructor(private readonly partialCharsMax = 1_048_576) {}

  push(chunk: string): ServerSentEvent[] {
    const text = this.partial + chunk;
    const lines = text.split(/\r\n|\r|\n/);
    this.partial = lines.pop() ?? '';
    if (this.partial.length > this.partialCharsMax) {
      throw new Error(`an SSE line is longer than ${this.partialCharsMax} characters`);
    }
    const events: ServerSentEvent[] = [];
    for (const line of lines) {
      if (line === '') {
        if (this.dataLines.length > 0) {
          events.push({
            id: this.id,
            event: this.event === '' ? 'message' : this.event,
            data: this.dataLines.join('\n'),
          });
        }
        this.event = '';
        this.dataLines = [];
        continue;
      }
      if (line.startsWith(':')) {
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const rawValue = colon < 0 ? '' : line.slice(colon + 1);
      const value = rawValue.startsWith(' ') ? rawValue.slice(1) : rawValue;
      if (field === 'data') {
        this.dataLines.push(value);
      } else if (field === 'event') {
        this.event = value;
      } else if (field === 'id') {
        // The last event id persists across events, as in a browser's EventSource.
        this.id = value;
      }
    }
    return events;
  }
}

export interface SseSubscription {
  /** Resolves once the server answered 200 and the stream is open. */
  readonly opened: Promise<void>;
  /** Resolves when the stream ends (server closed it, or close() was called). */
  readonly ended: Promise<void>;
  close(): void;
}

/** Opens `url` as an SSE stream with a bearer token and hands every event to `onEvent`. */
export function subscribeToEvents(
  url: string,
  bearerToken: string,
  onEvent: (event: ServerSentEvent) => void,
  openTimeoutMs: number,
): SseSubscription {
  const parser = new ServerSentEventParser();
  let outgoing: ClientRequest | undefined;
  let resolveEnded: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => {
    resolveEnded = resolve;
  });
  const opened = new Promise<void>((resolve, reject) => {
    outgoing = request(
      url,
      {
        method: 'GET',
        headers: { accept: 'text/event-stream', authorization: `Bearer ${bearerToken}` },
        timeout: openTimeoutMs,
      },
      (response) => {
        if (response.statusCode !== 200) {
          reject(new Error(`SSE ${url} answered ${String(response.statusCode)}`));
          response.resume();
          resolveEnded();
          return;
        }
        // Open now: the idle timeout was for connecting; a quiet stream is not an error.
        outgoing?.setTimeout(0);
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          for (const event of parser.push(chunk)) {
            onEvent(event);
          }
        });
        response.on('end', resolveEnded);
        response.on('close', resolveEnded);
        resolve();
      },
    );
    outgoing.on('timeout', () => outgoing?.destroy(new Error(`SSE ${url} did not open in time`)));
    outgoing.on('error', (error) => {
      reject(error);
      resolveEnded();
    });
    outgoing.end();
  });
  return {
    opened,
    ended,
    close: () => {
      outgoing?.destroy();
      resolveEnded();
    },
  };
}
