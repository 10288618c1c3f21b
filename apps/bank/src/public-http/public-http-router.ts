import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request as httpRequest,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Where one service's HTTP API listens inside the bank. */
export interface UpstreamAddress {
  readonly host: string;
  readonly port: number;
}

/** A first path segment (`/cards`) and the service that serves every path under it. */
export interface PublicRoute {
  readonly prefix: string;
  readonly service: string;
  readonly upstream: UpstreamAddress;
}

export interface PublicHttpSettings {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** The upstream must answer with headers within this; a stream then runs as long as it lasts. */
  readonly upstreamResponseTimeoutMs: number;
  /** Whole-request bound on the client side (headers and body). */
  readonly requestTimeoutMs: number;
  /** Open client connections at once; more are refused by the kernel backlog, not queued here. */
  readonly connectionsMax: number;
}

/** Connection-scoped headers are the hop's own (RFC 9110 §7.6.1); never forwarded. */
const HOP_BY_HOP_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function endToEndHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase()),
  );
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP_HEADERS.has(name) && !named.has(name)) {
      kept[name] = value;
    }
  }
  return kept;
}

function sendProblem(response: ServerResponse, status: number, code: string, message: string) {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const text = JSON.stringify({ code, message });
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  response.end(text);
}

/**
 * The bank's one public port: routes each request by its first path segment to the service that
 * owns the data (feed, authorization's /cards, notifications), as a Kubernetes Ingress does in
 * production. Bodies stream both ways without buffering, so Server-Sent Events pass through as
 * they are written. Unknown paths get a 404 JSON; an upstream that is down gets 502, one that does
 * not answer in time 504.
 */
export class PublicHttpRouter {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  /** Keeps upstream connections warm, at most as many per service as clients may be open. */
  private readonly agent: Agent;

  constructor(
    private readonly settings: PublicHttpSettings,
    private readonly routes: readonly PublicRoute[],
  ) {
    for (const route of routes) {
      if (!/^\/[A-Za-z0-9._-]+$/.test(route.prefix)) {
        throw new RangeError(`route prefix must be one path segment: ${route.prefix}`);
      }
    }
    this.agent = new Agent({ keepAlive: true, maxSockets: settings.connectionsMax });
    this.server = createServer((request, response) => this.forward(request, response));
    this.server.requestTimeout = settings.requestTimeoutMs;
    this.server.headersTimeout = settings.requestTimeoutMs;
    this.server.maxConnections = settings.connectionsMax;
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** @returns the bound port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.settings.port, this.settings.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  /** Stops accepting and cuts open connections (streams included): the services close next. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await closed;
    this.agent.destroy();
  }

  /** The route of a path: its first segment, matched exactly (`/cardsx` is not `/cards`). */
  routeOf(pathname: string): PublicRoute | undefined {
    const firstSegment = `/${pathname.split('/')[1] ?? ''}`;
    return this.routes.find((route) => route.prefix === firstSegment);
  }

  private forward(request: IncomingMessage, response: ServerResponse): void {
    const target = request.url ?? '/';
    let pathname: string;
    try {
      pathname = new URL(target, 'http://public.invalid').pathname;
    } catch {
      sendProblem(response, 400, 'bad_request', 'malformed request target');
      return;
    }
    const route = target.startsWith('/') ? this.routeOf(pathname) : undefined;
    if (route === undefined) {
      request.resume();
      sendProblem(response, 404, 'not_found', 'no such path');
      return;
    }
    const headers = endToEndHeaders(request.headers);
    const remoteAddress = request.socket.remoteAddress ?? '';
    const forwardedFor = request.headers['x-forwarded-for'];
    headers['x-forwarded-for'] =
      typeof forwardedFor === 'string' && forwardedFor !== ''
        ? `${forwardedFor}, ${remoteAddress}`
        : remoteAddress;
    headers['x-forwarded-host'] = request.headers.host ?? '';
    headers['x-forwarded-proto'] = 'http';
    const upstream = httpRequest({
      host: route.upstream.host,
      port: route.upstream.port,
      method: request.method,
      path: target,
      headers,
      agent: this.agent,
    });
    let answered = false;
    const answerTimer = setTimeout(() => {
      upstream.destroy();
      sendProblem(response, 504, 'timeout', `${route.service} did not answer in time`);
    }, this.settings.upstreamResponseTimeoutMs);
    upstream.once('response', (answer) => {
      clearTimeout(answerTimer);
      response.writeHead(answer.statusCode ?? 502, endToEndHeaders(answer.headers));
      // Headers go out now: an SSE stream's first event may be a while away.
      response.flushHeaders();
      answer.pipe(response);
      answer.once('end', () => {
        answered = true;
      });
      answer.once('error', () => response.destroy());
    });
    upstream.once('error', () => {
      clearTimeout(answerTimer);
      sendProblem(response, 502, 'bad_gateway', `${route.service} is not reachable`);
    });
    // A client that goes away ends its upstream request too (an SSE subscription, for one).
    response.once('close', () => {
      clearTimeout(answerTimer);
      if (!answered) {
        upstream.destroy();
      }
    });
    request.pipe(upstream);
  }
}
