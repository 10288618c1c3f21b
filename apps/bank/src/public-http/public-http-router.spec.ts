import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { StartedService } from '../bank-services';
import { PublicHttpRouter } from './public-http-router';
import { publicRoutesOf } from './public-routes';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A loopback HTTP server standing for one service; records what reached it. */
async function upstream(
  name: string,
  respond: (
    incoming: IncomingMessage,
    body: string,
    reply: import('node:http').ServerResponse,
  ) => void,
): Promise<{ server: Server; port: number; seen: Seen[]; closedRequests: number[] }> {
  const seen: Seen[] = [];
  const closedRequests: number[] = [];
  const server = createServer((incoming, reply) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({
        method: incoming.method ?? '',
        url: incoming.url ?? '',
        headers: incoming.headers,
        body,
      });
      reply.once('close', () => closedRequests.push(seen.length));
      reply.setHeader('x-service', name);
      respond(incoming, body, reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, seen, closedRequests };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

const SETTINGS = {
  host: '127.0.0.1',
  port: 0,
  upstreamResponseTimeoutMs: 300,
  requestTimeoutMs: 5_000,
  connectionsMax: 64,
};

jest.setTimeout(15_000);

describe('PublicHttpRouter', () => {
  let feed: Awaited<ReturnType<typeof upstream>>;
  let cards: Awaited<ReturnType<typeof upstream>>;
  let router: PublicHttpRouter;
  let base: string;
  let streamWriters: import('node:http').ServerResponse[];

  beforeEach(async () => {
    streamWriters = [];
    feed = await upstream('feed', (incoming, _body, reply) => {
      if (incoming.url?.endsWith('/feed/stream') === true) {
        reply.writeHead(200, { 'content-type': 'text/event-stream' });
        reply.write('id: 1\nevent: feed_item\ndata: {"n":1}\n\n');
        streamWriters.push(reply);
        return;
      }
      if (incoming.url === '/slow') {
        return; // never answers
      }
      reply.writeHead(200, { 'content-type': 'application/json', connection: 'close, x-hop' });
      reply.end(JSON.stringify({ from: 'feed' }));
    });
    cards = await upstream('authorization', (_incoming, body, reply) => {
      reply.writeHead(201, { 'content-type': 'application/json' });
      reply.end(JSON.stringify({ echoed: body }));
    });
    router = new PublicHttpRouter(SETTINGS, [
      { prefix: '/accounts', service: 'feed', upstream: { host: '127.0.0.1', port: feed.port } },
      { prefix: '/slow', service: 'feed', upstream: { host: '127.0.0.1', port: feed.port } },
      {
        prefix: '/cards',
        service: 'authorization',
        upstream: { host: '127.0.0.1', port: cards.port },
      },
      { prefix: '/devices', service: 'notifications', upstream: { host: '127.0.0.1', port: 9 } },
    ]);
    base = `http://127.0.0.1:${await router.listen()}`;
  });

  afterEach(async () => {
    await router.close();
    await closeServer(feed.server);
    await closeServer(cards.server);
  });

  it('forwards by first path segment with method, path, query, body and credentials intact', async () => {
    // node:http rather than fetch: fetch refuses to send a Connection header.
    const response = await new Promise<{ status: number; service: unknown; body: string }>(
      (resolve, reject) => {
        const outgoing = request(`${base}/cards/card_1/freeze?x=1`, {
          method: 'POST',
          headers: { authorization: 'Bearer abc', 'x-hop': 'hop-only', connection: 'x-hop' },
          timeout: 5_000,
        });
        outgoing.once('error', reject);
        outgoing.once('response', (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.once('end', () =>
            resolve({
              status: answer.statusCode ?? 0,
              service: answer.headers['x-service'],
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        });
        outgoing.end('a=1');
      },
    );
    expect(response).toEqual({
      status: 201,
      service: 'authorization',
      body: JSON.stringify({ echoed: 'a=1' }),
    });
    expect(cards.seen).toHaveLength(1);
    const [seen] = cards.seen;
    expect(seen?.method).toBe('POST');
    expect(seen?.url).toBe('/cards/card_1/freeze?x=1');
    expect(seen?.headers.authorization).toBe('Bearer abc');
    expect(seen?.headers['x-hop']).toBeUndefined();
    expect(seen?.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen?.headers['x-forwarded-host']).toBe(new URL(base).host);
    const fromFeed = await fetch(`${base}/accounts`, { signal: AbortSignal.timeout(5_000) });
    expect(fromFeed.headers.get('x-service')).toBe('feed');
    expect(await fromFeed.json()).toEqual({ from: 'feed' });
    expect(feed.seen.map((request) => request.url)).toEqual(['/accounts']);
  });

  it('answers unknown paths itself with a 404 JSON, matching whole segments only', async () => {
    for (const path of ['/', '/cardsx', '/nothing/here', '/Cards']) {
      const response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(5_000) });
      expect([path, response.status]).toEqual([path, 404]);
      expect(await response.json()).toEqual({ code: 'not_found', message: 'no such path' });
    }
    expect(feed.seen).toHaveLength(0);
    expect(cards.seen).toHaveLength(0);
  });

  it('passes Server-Sent Events through as they are written, and ends the upstream when the client leaves', async () => {
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), 5_000);
    const response = await fetch(`${base}/accounts/acc_1/feed/stream`, {
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body?.getReader();
    if (reader === undefined) {
      throw new Error('no body');
    }
    // The upstream has not ended: this read only completes if the router does not buffer.
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value as Uint8Array)).toContain('data: {"n":1}');
    streamWriters[0]?.write('id: 2\nevent: feed_item\ndata: {"n":2}\n\n');
    const second = await reader.read();
    expect(new TextDecoder().decode(second.value as Uint8Array)).toContain('data: {"n":2}');
    controller.abort();
    clearTimeout(timeout);
    for (let attempt = 0; attempt < 100 && feed.closedRequests.length === 0; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(feed.closedRequests).toEqual([1]);
  });

  it('keeps a stream open past the client request timeout, which bounds only receiving the request', async () => {
    const shortBound = new PublicHttpRouter({ ...SETTINGS, requestTimeoutMs: 300 }, [
      { prefix: '/accounts', service: 'feed', upstream: { host: '127.0.0.1', port: feed.port } },
    ]);
    const port = await shortBound.listen();
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), 5_000);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/accounts/acc_1/feed/stream`, {
        signal: controller.signal,
      });
      const reader = response.body?.getReader();
      if (reader === undefined) {
        throw new Error('no body');
      }
      await reader.read();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      streamWriters[0]?.write('id: 3\nevent: feed_item\ndata: {"n":3}\n\n');
      const late = await reader.read();
      expect(new TextDecoder().decode(late.value as Uint8Array)).toContain('data: {"n":3}');
    } finally {
      controller.abort();
      clearTimeout(timeout);
      await shortBound.close();
    }
  });

  it('answers 502 when the service is not reachable and 504 when it does not answer in time', async () => {
    const down = await fetch(`${base}/devices`, { signal: AbortSignal.timeout(5_000) });
    expect([down.status, await down.json()]).toEqual([
      502,
      { code: 'bad_gateway', message: 'notifications is not reachable' },
    ]);
    const slow = await fetch(`${base}/slow`, { signal: AbortSignal.timeout(5_000) });
    expect([slow.status, await slow.json()]).toEqual([
      504,
      { code: 'timeout', message: 'feed did not answer in time' },
    ]);
  });

  it('cuts open streams when it closes, so the bank can stop', async () => {
    const outgoing = request(`${base}/accounts/acc_1/feed/stream`);
    const answered = new Promise<IncomingMessage>((resolve, reject) => {
      outgoing.once('response', resolve);
      outgoing.once('error', reject);
    });
    outgoing.end();
    const answer = await answered;
    const ended = new Promise<string>((resolve) => {
      answer.on('data', () => undefined);
      answer.once('close', () => resolve('closed'));
      answer.once('error', () => resolve('closed'));
    });
    expect(streamWriters).toHaveLength(1);
    await router.close();
    expect(await ended).toBe('closed');
  });

  it('refuses a prefix that is not one path segment', () => {
    expect(
      () =>
        new PublicHttpRouter(SETTINGS, [
          { prefix: '/a/b', service: 'x', upstream: { host: '127.0.0.1', port: 1 } },
        ]),
    ).toThrow(RangeError);
  });
});

describe('publicRoutesOf', () => {
  const service = (name: string, endpoints: Record<string, string>): StartedService => ({
    name,
    endpoints,
    close: () => Promise.resolve(),
  });

  it("routes each path to the service that owns its data, from the services' endpoints", () => {
    const routes = publicRoutesOf([
      service('feed', { api: 'http://127.0.0.1:8081', ops: 'http://127.0.0.1:9465' }),
      service('authorization', { grpc: '127.0.0.1:50052', cards: 'http://127.0.0.1:8083' }),
      service('notifications', { api: 'http://127.0.0.1:8082' }),
    ]);
    expect(
      routes.map((route) => `${route.prefix} ${route.service} ${route.upstream.port}`),
    ).toEqual([
      '/accounts feed 8081',
      '/balance feed 8081',
      '/transactions feed 8081',
      '/feed feed 8081',
      '/app feed 8081',
      '/openapi.json feed 8081',
      '/cards authorization 8083',
      '/devices notifications 8082',
      '/webhooks notifications 8082',
    ]);
  });

  it('leaves the paths of a service that does not run unrouted', () => {
    expect(
      publicRoutesOf([service('notifications', { api: 'http://127.0.0.1:8082' })]),
    ).toHaveLength(2);
  });
});
