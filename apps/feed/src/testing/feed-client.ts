import { issueToken } from '@corebank/platform-auth';

/** Test helpers: the environment of a feed on temp files, tokens and HTTP calls. */
export const TEST_SECRET = 'test-secret-for-the-feed-api-0123456789';
export const TEST_ISSUER = 'corebank';

export function feedEnvironment(
  directory: string,
  workerId: number,
  ledgerAddress = '127.0.0.1:1',
): Record<string, string> {
  return {
    FEED_LEDGER_GRPC_ADDRESS: ledgerAddress,
    FEED_HTTP_PORT: '0',
    AUTH_JWT_ALGORITHM: 'HS256',
    AUTH_JWT_HS256_SECRET: TEST_SECRET,
    FEED_SSE_HEARTBEAT_MS: '200',
    FEED_DELIVERY_ATTEMPTS_MAX: '3',
    FEED_LOG_LEVEL: 'warn',
    EVENT_BUS_PATH: `${directory}/bus.db`,
    STORE_SQLITE_PATH: `${directory}/feed.db`,
    ID_WORKER_SOURCE: 'config',
    ID_WORKER_ID: String(workerId),
  };
}

export function tokenFor(
  customerId: string,
  accountIds: readonly string[],
  options: { secret?: string; ttlSeconds?: number; nowMs?: number } = {},
): string {
  return issueToken(
    {
      customerId,
      accounts: accountIds.map((id) => ({
        id,
        description: `${customerId}'s current account`,
        created: '2026-11-01T00:00:00.000Z',
      })),
      issuer: TEST_ISSUER,
      nowMs: options.nowMs ?? Date.now(),
      ttlSeconds: options.ttlSeconds ?? 600,
    },
    { algorithm: 'HS256', secret: options.secret ?? TEST_SECRET },
  );
}

export interface JsonResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Headers;
}

export async function call(
  port: number,
  method: string,
  path: string,
  token: string | undefined,
  body?: { form?: Record<string, string>; json?: unknown },
): Promise<JsonResponse> {
  const headers: Record<string, string> = {};
  if (token !== undefined) {
    headers['authorization'] = `Bearer ${token}`;
  }
  let payload: string | undefined;
  if (body?.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    payload = new URLSearchParams(body.form).toString();
  } else if (body?.json !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body.json);
  }
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers,
    ...(payload === undefined ? {} : { body: payload }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    headers: response.headers,
  };
}

export interface SseEvent {
  readonly id: string | undefined;
  readonly event: string | undefined;
  readonly data: string;
}

/** An SSE connection that parses events and counts heartbeat comments. */
export interface SseConnection {
  readonly status: number;
  readonly events: SseEvent[];
  heartbeats(): number;
  close(): void;
}

export async function openStream(
  port: number,
  accountId: string,
  token: string,
  lastEventId?: string,
): Promise<SseConnection> {
  const controller = new AbortController();
  const response = await fetch(`http://127.0.0.1:${port}/accounts/${accountId}/feed/stream`, {
    headers: {
      authorization: `Bearer ${token}`,
      ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
    },
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  let heartbeatCount = 0;
  const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const pump = async (): Promise<void> => {
    if (reader === undefined) {
      return;
    }
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) {
        return;
      }
      buffer += decoder.decode(chunk.value, { stream: true });
      let boundary = buffer.indexOf('\n\n');
      while (boundary >= 0) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        boundary = buffer.indexOf('\n\n');
        if (block.startsWith(': heartbeat')) {
          heartbeatCount += 1;
          continue;
        }
        if (block.startsWith(':')) {
          continue;
        }
        const fields = new Map<string, string>();
        for (const line of block.split('\n')) {
          const colon = line.indexOf(':');
          fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
        }
        events.push({
          id: fields.get('id'),
          event: fields.get('event'),
          data: fields.get('data') ?? '',
        });
      }
    }
  };
  pump().catch(() => undefined);
  return {
    status: response.status,
    events,
    heartbeats: () => heartbeatCount,
    close: () => controller.abort(),
  };
}
