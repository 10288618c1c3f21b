import { authorizationCardsV1 } from '@corebank/contracts-proto';
import { createRpcClient, type RpcClient } from '@corebank/platform-rpc';

export type CardsClient = RpcClient<typeof authorizationCardsV1.CardServiceService>;

const CARDS_CALL_TIMEOUT_MS = 10_000;
const HTTP_CALL_TIMEOUT_MS = 10_000;
/** A feed item is one JSON object; a stream that sends more without a line break is broken. */
const SSE_BUFFER_CHARS_MAX = 1_000_000;
/** Events kept per open stream; a scenario waits for a handful. */
const SSE_EVENTS_KEPT_MAX = 1_000;

/** CardService over gRPC (authorization), no breaker: a scenario wants every failure, not a shed. */
export function createCardsClient(address: string): CardsClient {
  return createRpcClient(authorizationCardsV1.CardServiceClient, {
    address,
    defaultTimeoutMs: CARDS_CALL_TIMEOUT_MS,
    breaker: false,
  });
}

export type FeedTransaction = Readonly<Record<string, unknown>> & {
  readonly id: string;
  readonly amount: number;
  readonly description: string;
};

function isFeedTransaction(value: unknown): value is FeedTransaction {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const record = value as Record<string, unknown>;
  return (
    typeof record['id'] === 'string' &&
    typeof record['amount'] === 'number' &&
    typeof record['description'] === 'string'
  );
}

async function getJson(url: string, bearerToken: string): Promise<unknown> {
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${bearerToken}` },
    signal: AbortSignal.timeout(HTTP_CALL_TIMEOUT_MS),
  });
  const body = await response.text();
  if (response.status !== 200) {
    throw new Error(`GET ${new URL(url).pathname}: HTTP ${response.status} ${body.slice(0, 300)}`);
  }
  return JSON.parse(body) as unknown;
}

/** The customer's feed API (FEED-API.md): transactions and the live SSE stream. */
export class FeedApi {
  constructor(
    private readonly baseUrl: string,
    private readonly bearerToken: string,
  ) {}

  async transaction(transactionId: string): Promise<FeedTransaction> {
    const body = await getJson(
      `${this.baseUrl}/transactions/${encodeURIComponent(transactionId)}`,
      this.bearerToken,
    );
    const transaction = (body as { transaction?: unknown }).transaction;
    if (!isFeedTransaction(transaction)) {
      throw new Error(`GET /transactions/${transactionId}: no transaction in the reply`);
    }
    return transaction;
  }

  async recentTransactions(accountId: string): Promise<readonly FeedTransaction[]> {
    const body = await getJson(
      `${this.baseUrl}/transactions?account_id=${encodeURIComponent(accountId)}&limit=100`,
      this.bearerToken,
    );
    const transactions = (body as { transactions?: unknown }).transactions;
    return Array.isArray(transactions) ? transactions.filter(isFeedTransaction) : [];
  }

  /** Opens `GET /accounts/{id}/feed/stream`; resolves once the server has accepted the stream. */
  async openStream(accountId: string, connectTimeoutMs: number): Promise<FeedStream> {
    const stream = new FeedStream();
    await stream.connect(
      `${this.baseUrl}/accounts/${encodeURIComponent(accountId)}/feed/stream`,
      this.bearerToken,
      connectTimeoutMs,
    );
    return stream;
  }
}

/** One SSE connection: keeps the feed items it receives, so a scenario can wait for one. */
export class FeedStream {
  private readonly abort = new AbortController();
  private readonly items: FeedTransaction[] = [];
  private readonly waiters = new Set<() => void>();
  private failure: Error | undefined;

  async connect(url: string, bearerToken: string, connectTimeoutMs: number): Promise<void> {
    const timer = setTimeout(() => this.abort.abort(), connectTimeoutMs);
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${bearerToken}`, accept: 'text/event-stream' },
      signal: this.abort.signal,
    }).finally(() => clearTimeout(timer));
    if (response.status !== 200 || response.body === null) {
      this.abort.abort();
      throw new Error(`feed stream: HTTP ${response.status}`);
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    // The server writes a comment as soon as the stream is registered: items after it reach us.
    const connected = this.readEvents(reader);
    await Promise.race([
      connected,
      new Promise((_resolve, reject) =>
        setTimeout(() => reject(new Error('feed stream: no greeting')), connectTimeoutMs).unref(),
      ),
    ]);
  }

  private readEvents(reader: ReadableStreamDefaultReader<string>): Promise<void> {
    let greeted: () => void = () => undefined;
    const greeting = new Promise<void>((resolve) => (greeted = resolve));
    let buffer = '';
    const pump = async (): Promise<void> => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          return;
        }
        buffer += value;
        if (buffer.length > SSE_BUFFER_CHARS_MAX) {
          throw new Error('feed stream: event too large');
        }
        let boundary = buffer.indexOf('\n\n');
        while (boundary >= 0) {
          this.onEvent(buffer.slice(0, boundary), greeted);
          buffer = buffer.slice(boundary + 2);
          boundary = buffer.indexOf('\n\n');
        }
      }
    };
    pump().catch((error: unknown) => {
      if (!this.abort.signal.aborted) {
        this.failure = error instanceof Error ? error : new Error(String(error));
        this.wakeWaiters();
      }
    });
    return greeting;
  }

  private onEvent(block: string, greeted: () => void): void {
    const lines = block.split('\n');
    if (lines.some((line) => line.startsWith(':'))) {
      greeted();
    }
    const event = lines
      .find((line) => line.startsWith('event:'))
      ?.slice(6)
      .trim();
    const data = lines
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trimStart())
      .join('\n');
    if (event !== 'feed_item' || data === '') {
      return;
    }
    // `{ type: 'transaction', transaction }` or `{ type: 'basic', item }`: only transactions count.
    const item = (JSON.parse(data) as { transaction?: unknown }).transaction;
    if (isFeedTransaction(item)) {
      this.items.push(item);
      if (this.items.length > SSE_EVENTS_KEPT_MAX) {
        this.items.shift();
      }
      this.wakeWaiters();
    }
  }

  private wakeWaiters(): void {
    for (const wake of this.waiters) {
      wake();
    }
  }

  /** The first item received (before or after the call) that matches, within `timeoutMs`. */
  async waitFor(
    predicate: (item: FeedTransaction) => boolean,
    timeoutMs: number,
  ): Promise<FeedTransaction> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.items.find(predicate);
      if (found !== undefined) {
        return found;
      }
      if (this.failure !== undefined) {
        throw this.failure;
      }
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) {
        const seen = this.items
          .slice(-3)
          .map((item) => `${item.amount} "${item.description}"`)
          .join(', ');
        throw new Error(
          `feed stream: no matching item in ${timeoutMs} ms (${this.items.length} received${seen === '' ? '' : `, last: ${seen}`})`,
        );
      }
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, remainingMs);
        this.waiters.add(wake);
      });
    }
  }

  close(): void {
    this.abort.abort();
  }
}

/** The notifications API: register a push target for the customer. */
export async function registerApnsDevice(
  notificationsUrl: string,
  bearerToken: string,
  deviceToken: string,
): Promise<string> {
  const response = await fetch(`${notificationsUrl}/devices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearerToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'apns', token: deviceToken }),
    signal: AbortSignal.timeout(HTTP_CALL_TIMEOUT_MS),
  });
  const body = await response.text();
  if (response.status !== 201) {
    throw new Error(`POST /devices: HTTP ${response.status} ${body.slice(0, 300)}`);
  }
  const id = (JSON.parse(body) as { device?: { id?: unknown } }).device?.id;
  if (typeof id !== 'string') {
    throw new Error('POST /devices: no device id in the reply');
  }
  return id;
}
