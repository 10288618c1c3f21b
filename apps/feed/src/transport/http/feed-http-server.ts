import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { TokenVerifier } from '@corebank/platform-auth';
import type { Clock } from '@corebank/platform-clock';
import { PlatformError } from '@corebank/platform-errors';
import { composeSnowflake, SNOWFLAKE_EPOCH_MS } from '@corebank/platform-ids';
import type { Logger } from '@corebank/platform-observability';

import type { FeedItemChanges } from '../../application/feed-item-changes';
import {
  itemIdOfTransactionId,
  safeInteger,
  transactionView,
} from '../../application/feed-item-view';
import type { GetBalanceUseCase } from '../../application/get-balance/get-balance.use-case';
import type { PostBasicItemUseCase } from '../../application/post-basic-item/post-basic-item.use-case';
import type { UpdateMetadataUseCase } from '../../application/update-metadata/update-metadata.use-case';
import { validateBasicFeedItem } from '../../domain/basic-feed-item';
import type { FeedItemStore } from '../../ports/feed-item-store.port';
import type { FeedMetrics } from '../feed-metrics';
import { authenticateBearer, type Principal } from './bearer-token';
import { type FeedRouteName, matchRoute } from './feed-routes';
import { bracketFields, type FlatFields, readBody } from './request-input';
import { FeedStream, type FeedStreamSettings } from './feed-stream';
import { sendWebApp } from '../web/web-app';

export interface FeedHttpSettings extends FeedStreamSettings {
  readonly host: string;
  readonly port: number;
  readonly bodyBytesMax: number;
}

export interface FeedHttpDependencies {
  readonly items: FeedItemStore;
  readonly changes: FeedItemChanges;
  readonly updateMetadata: UpdateMetadataUseCase;
  readonly postBasicItem: PostBasicItemUseCase;
  readonly getBalance: GetBalanceUseCase;
  readonly verifier: TokenVerifier;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: FeedMetrics;
  /** The OpenAPI document served at GET /openapi.json. */
  readonly openApiDocument: string;
}

/** Mondo's page size limit (FEED-API.md). */
export const TRANSACTIONS_LIMIT_MAX = 100;

/** A refusal with its HTTP status and `{code, message}` body. */
class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
    readonly extra: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

function badRequest(message: string): HttpRefusal {
  return new HttpRefusal(400, 'bad_request', message);
}

function notFound(): HttpRefusal {
  return new HttpRefusal(404, 'not_found', 'no such object');
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  response.end(text);
}

/** The smallest snowflake at or after an instant: timestamps become id bounds. */
function snowflakeAt(timestampMs: number): bigint {
  return timestampMs <= SNOWFLAKE_EPOCH_MS
    ? 0n
    : composeSnowflake({ timestampMs, workerId: 0, sequence: 0 });
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** A `since`/`before` value: an RFC 3339 instant or a `tx_` id. */
function cursorOf(name: string, value: string): { kind: 'id' | 'time'; id: bigint } {
  const itemId = itemIdOfTransactionId(value);
  if (itemId !== undefined) {
    return { kind: 'id', id: itemId };
  }
  const timestampMs = RFC3339.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(timestampMs)) {
    throw badRequest(`${name} must be an RFC 3339 timestamp or a transaction id`);
  }
  try {
    return { kind: 'time', id: snowflakeAt(timestampMs) };
  } catch {
    throw badRequest(`${name} is outside the supported time range`);
  }
}

/**
 * The feed API over node:http. Plain node:http rather than a framework: the API is seven routes
 * with Mondo's exact error shapes, 405 handling and a long-lived SSE stream, all of which are
 * direct here and would each need working around a framework's defaults. Nest still wires the
 * service (DI); this class is the transport.
 */
export class FeedHttpServer {
  private readonly server: Server;
  private readonly streams = new Set<FeedStream>();

  constructor(
    private readonly settings: FeedHttpSettings,
    private readonly dependencies: FeedHttpDependencies,
  ) {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        this.dependencies.logger.error({ err: error }, 'feed request failed');
        if (!response.headersSent) {
          sendJson(response, 500, { code: 'internal_error', message: 'internal error' });
        } else {
          response.destroy();
        }
      });
    });
  }

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

  /** Ends every SSE stream, then stops accepting and closes idle connections. */
  async close(): Promise<void> {
    for (const stream of this.streams) {
      stream.end();
    }
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://feed.invalid');
    const method = request.method ?? 'GET';
    const match = matchRoute(method, url.pathname);
    const routeLabel = match.kind === 'route' ? match.route.name : 'unmatched';
    const startedMs = performance.now();
    response.once('close', () => {
      this.dependencies.metrics.httpRequests.inc({
        route: routeLabel,
        status: String(response.statusCode),
      });
      this.dependencies.metrics.httpRequestDuration.observe(
        { route: routeLabel },
        performance.now() - startedMs,
      );
    });
    try {
      switch (match.kind) {
        case 'no_route':
          throw notFound();
        case 'wrong_method':
          throw new HttpRefusal(405, 'method_not_allowed', `use ${match.allowed.join(', ')}`, {
            allow: match.allowed.join(', '),
          });
        case 'route':
          break;
      }
      if (match.route.name === 'openapi') {
        response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        response.end(this.dependencies.openApiDocument);
        return;
      }
      if (match.route.name === 'webApp') {
        sendWebApp(response);
        return;
      }
      const principal = this.authenticate(request);
      await this.dispatch(match.route.name, match.parameter, principal, url, request, response);
    } catch (error) {
      const refusal = error instanceof HttpRefusal ? error : this.refusalOf(error);
      this.dependencies.logger.warn(
        {
          method,
          path: url.pathname,
          status: refusal.status,
          code: refusal.code,
          reason: refusal.message,
          remoteAddress: request.socket.remoteAddress,
        },
        'feed request refused',
      );
      sendJson(
        response,
        refusal.status,
        { code: refusal.code, message: refusal.message, ...refusal.extra },
        refusal.headers,
      );
    }
  }

  private refusalOf(error: unknown): HttpRefusal {
    if (error instanceof PlatformError && error.options.retryable) {
      return error.category === 'timeout'
        ? new HttpRefusal(504, 'timeout', 'timed out, try again')
        : new HttpRefusal(503, 'unavailable', 'temporarily unavailable, try again', {
            'retry-after': '1',
          });
    }
    throw error;
  }

  private authenticate(request: IncomingMessage): Principal {
    const unauthorized = (message: string): HttpRefusal =>
      new HttpRefusal(
        401,
        'unauthorized',
        message,
        { 'www-authenticate': 'Bearer error="invalid_token"' },
        { error: 'invalid_token' },
      );
    const authentication = authenticateBearer(
      request.headers.authorization,
      this.dependencies.verifier,
    );
    if (authentication.kind === 'invalid') {
      throw unauthorized(
        authentication.reason === 'missing'
          ? 'a bearer token is required'
          : `token refused: ${authentication.reason}`,
      );
    }
    return authentication.principal;
  }

  private async dispatch(
    name: Exclude<FeedRouteName, 'openapi' | 'webApp'>,
    parameter: string | undefined,
    principal: Principal,
    url: URL,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    switch (name) {
      case 'listAccounts':
        sendJson(response, 200, { accounts: principal.accounts });
        return;
      case 'getBalance':
        sendJson(response, 200, await this.balance(principal, url));
        return;
      case 'listTransactions':
        sendJson(response, 200, await this.listTransactions(principal, url));
        return;
      case 'getTransaction':
        sendJson(response, 200, await this.getTransaction(principal, parameter ?? '', url));
        return;
      case 'annotateTransaction':
        sendJson(
          response,
          200,
          await this.annotateTransaction(principal, parameter ?? '', request),
        );
        return;
      case 'createFeedItem':
        await this.createFeedItem(principal, request);
        sendJson(response, 200, {});
        return;
      case 'streamFeed':
        await this.streamFeed(principal, parameter ?? '', request, response);
        return;
    }
  }

  private ownedAccount(principal: Principal, accountId: string | null | undefined): string {
    if (accountId === null || accountId === undefined || accountId === '') {
      throw badRequest('account_id is required');
    }
    if (!principal.accountIds.has(accountId)) {
      throw notFound();
    }
    return accountId;
  }

  private async balance(principal: Principal, url: URL): Promise<unknown> {
    const accountId = this.ownedAccount(principal, url.searchParams.get('account_id'));
    const outcome = await this.dependencies.getBalance.execute(accountId);
    if (outcome.kind === 'not_found') {
      throw notFound();
    }
    return {
      balance: safeInteger(outcome.availableMinor),
      total_balance: safeInteger(outcome.totalMinor),
      currency: outcome.currency,
      spend_today: safeInteger(outcome.spendTodayMinor),
    };
  }

  private async listTransactions(principal: Principal, url: URL): Promise<unknown> {
    const accountId = this.ownedAccount(principal, url.searchParams.get('account_id'));
    const limitText = url.searchParams.get('limit');
    const limit = limitText === null ? TRANSACTIONS_LIMIT_MAX : Number(limitText);
    if (!/^[0-9]{1,3}$/.test(limitText ?? '100') || limit < 1 || limit > TRANSACTIONS_LIMIT_MAX) {
      throw badRequest(`limit must be an integer from 1 to ${TRANSACTIONS_LIMIT_MAX}`);
    }
    const since = url.searchParams.get('since');
    const before = url.searchParams.get('before');
    const sinceCursor = since === null ? undefined : cursorOf('since', since);
    const beforeCursor = before === null ? undefined : cursorOf('before', before);
    const items = await this.dependencies.items.listTransactions(accountId, {
      limit,
      // A timestamp is inclusive (ids at or after it); an id cursor excludes that id.
      ...(sinceCursor === undefined
        ? {}
        : { afterId: sinceCursor.kind === 'id' ? sinceCursor.id : sinceCursor.id - 1n }),
      ...(beforeCursor === undefined ? {} : { beforeId: beforeCursor.id }),
    });
    const expandMerchant = this.expandsMerchant(url);
    return {
      transactions: items.flatMap((item) =>
        item.kind === 'transaction' ? [transactionView(item, expandMerchant)] : [],
      ),
    };
  }

  private expandsMerchant(url: URL): boolean {
    const expansions = [
      ...url.searchParams.getAll('expand[]'),
      ...url.searchParams.getAll('expand'),
    ];
    for (const expansion of expansions) {
      if (expansion !== 'merchant') {
        throw badRequest('only merchant can be expanded');
      }
    }
    return expansions.length > 0;
  }

  private async getTransaction(principal: Principal, id: string, url: URL): Promise<unknown> {
    const itemId = itemIdOfTransactionId(id);
    const item = itemId === undefined ? undefined : await this.dependencies.items.get(itemId);
    if (item?.kind !== 'transaction' || !principal.accountIds.has(item.accountId)) {
      throw notFound();
    }
    return { transaction: transactionView(item, this.expandsMerchant(url)) };
  }

  private async fields(request: IncomingMessage): Promise<FlatFields> {
    const body = await readBody(request, this.settings.bodyBytesMax);
    switch (body.kind) {
      case 'too_large':
        throw new HttpRefusal(413, 'payload_too_large', 'request body too large');
      case 'malformed':
        throw badRequest(body.reason);
      case 'fields':
        return body.fields;
    }
  }

  private async annotateTransaction(
    principal: Principal,
    id: string,
    request: IncomingMessage,
  ): Promise<unknown> {
    const itemId = itemIdOfTransactionId(id);
    if (itemId === undefined) {
      throw notFound();
    }
    const fields = await this.fields(request);
    const change = bracketFields(fields, 'metadata');
    const notes = fields.get('notes');
    if (notes !== undefined) {
      change['notes'] = notes;
    }
    if (Object.keys(change).length === 0) {
      throw badRequest('set at least one metadata[key] or notes');
    }
    const outcome = await this.dependencies.updateMetadata.execute({
      itemId,
      accountIds: principal.accountIds,
      change,
    });
    switch (outcome.kind) {
      case 'not_found':
        throw notFound();
      case 'invalid':
        throw badRequest(outcome.reason);
      case 'updated':
        return { transaction: transactionView(outcome.item, false) };
    }
  }

  private async createFeedItem(principal: Principal, request: IncomingMessage): Promise<void> {
    const fields = await this.fields(request);
    const accountId = this.ownedAccount(principal, fields.get('account_id'));
    const params = bracketFields(fields, 'params');
    const validation = validateBasicFeedItem({
      accountId,
      type: fields.get('type') ?? '',
      title: params['title'],
      imageUrl: params['image_url'],
      body: params['body'],
      backgroundColour: params['background_color'],
      titleColour: params['title_color'],
      bodyColour: params['body_color'],
      url: fields.get('url'),
    });
    if (validation.kind === 'invalid') {
      throw badRequest(validation.reason);
    }
    await this.dependencies.postBasicItem.execute({ accountId, item: validation.item });
  }

  private async streamFeed(
    principal: Principal,
    accountId: string,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    this.ownedAccount(principal, accountId);
    const lastEventId = request.headers['last-event-id'];
    let resumeAfter: bigint | undefined;
    if (typeof lastEventId === 'string' && lastEventId !== '') {
      if (!/^(0|[1-9][0-9]{0,18})$/.test(lastEventId)) {
        throw badRequest('Last-Event-ID must be a change sequence position');
      }
      resumeAfter = BigInt(lastEventId);
    }
    const stream = new FeedStream(this.settings, this.dependencies.items, response);
    const unsubscribe = this.dependencies.changes.listen(accountId, (change) =>
      stream.offer(change),
    );
    if (unsubscribe === undefined) {
      throw new HttpRefusal(429, 'rate_limited', 'too many streams for this account', {
        'retry-after': '5',
      });
    }
    this.streams.add(stream);
    response.once('close', () => {
      unsubscribe();
      this.streams.delete(stream);
      stream.end();
    });
    await stream.start(accountId, resumeAfter);
  }
}
