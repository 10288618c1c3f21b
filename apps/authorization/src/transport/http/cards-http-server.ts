import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { type Principal, type TokenVerifier, verifyBearerToken } from '@corebank/platform-auth';
import { isPlatformError } from '@corebank/platform-errors';
import type { Logger } from '@corebank/platform-observability';

import type { ManageCardsUseCase } from '../../application/manage-cards/manage-cards.use-case';
import type { Card } from '../../domain/card';
import { CARDS_OPENAPI_DOCUMENT } from './cards-openapi';
import { type CardsRouteName, matchCardsRoute } from './cards-routes';

export interface CardsHttpSettings {
  readonly host: string;
  readonly port: number;
  /** Whole-request bound (headers and body): a slow client cannot hold a socket longer. */
  readonly requestTimeoutMs: number;
}

/** What the /cards API needs from card management: reads and the two reversible changes. */
export type CustomerCardControls = Pick<
  ManageCardsUseCase,
  'card' | 'listCards' | 'freeze' | 'unfreeze'
>;

export interface CardsHttpDependencies {
  readonly cards: CustomerCardControls;
  readonly verifier: TokenVerifier;
  readonly logger: Logger;
}

/** `card_<processor token>`: ids carry their type (FEED-API.md); the PAN never reaches us. */
export function cardIdOf(token: string): string {
  return `card_${token}`;
}

function tokenOfCardId(id: string): string | undefined {
  return /^card_(\d{1,19})$/.exec(id)?.[1];
}

/** Tokens may show account ids with the `acc_` prefix; the store keys them by the bare id. */
function bareAccountId(accountId: string): string {
  return accountId.startsWith('acc_') ? accountId.slice('acc_'.length) : accountId;
}

/** The customer's view of a card: no product internals, no spending-control plumbing. */
export function cardView(card: Card): Readonly<Record<string, unknown>> {
  return {
    id: cardIdOf(card.token),
    account_id: card.accountId,
    last_four: card.lastFour,
    expiry: card.expiryMonth,
    status: card.status,
    currency: card.currencyCode,
  };
}

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

/** Also for another customer's card, so card ids cannot be probed (FEED-API.md). */
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

/**
 * The customer /cards API over node:http, with the same bearer tokens and `{code, message}` error
 * shape as the feed. Freeze and unfreeze go through card management, so the very next
 * authorization of the card sees the change. A token reaches only the cards of its own accounts.
 */
export class CardsHttpServer {
  private readonly server: Server;

  constructor(
    private readonly settings: CardsHttpSettings,
    private readonly dependencies: CardsHttpDependencies,
  ) {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        this.dependencies.logger.error({ err: error }, 'cards request failed');
        if (!response.headersSent) {
          sendJson(response, 500, { code: 'internal_error', message: 'internal error' });
        } else {
          response.destroy();
        }
      });
    });
    this.server.requestTimeout = settings.requestTimeoutMs;
    this.server.headersTimeout = settings.requestTimeoutMs;
  }

  /** @returns the bound port (a free one when `port` is 0). */
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

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://cards.invalid');
    const method = request.method ?? 'GET';
    // No route takes a body: discard one rather than leave it unread on a keep-alive socket.
    request.resume();
    try {
      const match = matchCardsRoute(method, url.pathname);
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
      if (match.route.name === 'cardsOpenApi') {
        sendJson(response, 200, CARDS_OPENAPI_DOCUMENT);
        return;
      }
      const principal = this.authenticate(request);
      sendJson(
        response,
        200,
        await this.dispatch(match.route.name, match.parameter ?? '', principal, url),
      );
    } catch (error) {
      const refusal = error instanceof HttpRefusal ? error : refusalOf(error);
      this.dependencies.logger.warn(
        {
          method,
          path: url.pathname,
          status: refusal.status,
          code: refusal.code,
          reason: refusal.message,
        },
        'cards request refused',
      );
      sendJson(
        response,
        refusal.status,
        { code: refusal.code, message: refusal.message, ...refusal.extra },
        refusal.headers,
      );
    }
  }

  private authenticate(request: IncomingMessage): Principal {
    const verification = verifyBearerToken(
      request.headers.authorization,
      this.dependencies.verifier,
    );
    if (verification.kind === 'invalid') {
      throw new HttpRefusal(
        401,
        'unauthorized',
        verification.reason === 'missing'
          ? 'a bearer token is required'
          : `token refused: ${verification.reason}`,
        { 'www-authenticate': 'Bearer error="invalid_token"' },
        { error: 'invalid_token' },
      );
    }
    return verification.principal;
  }

  private async dispatch(
    name: Exclude<CardsRouteName, 'cardsOpenApi'>,
    cardId: string,
    principal: Principal,
    url: URL,
  ): Promise<unknown> {
    const { cards } = this.dependencies;
    switch (name) {
      case 'listCards': {
        const accountId = url.searchParams.get('account_id');
        if (accountId === null || accountId === '') {
          throw new HttpRefusal(400, 'bad_request', 'account_id is required');
        }
        if (!principal.accounts.some((account) => account.id === accountId)) {
          throw notFound();
        }
        const listed = await cards.listCards(bareAccountId(accountId));
        return { cards: listed.map(cardView) };
      }
      case 'freezeCard':
        return { card: cardView(await cards.freeze(await this.ownedCardToken(principal, cardId))) };
      case 'unfreezeCard':
        return {
          card: cardView(await cards.unfreeze(await this.ownedCardToken(principal, cardId))),
        };
    }
  }

  /** The card's token when it belongs to one of the principal's accounts; 404 otherwise. */
  private async ownedCardToken(principal: Principal, cardId: string): Promise<string> {
    const token = tokenOfCardId(cardId);
    if (token === undefined) {
      throw notFound();
    }
    const card = await this.dependencies.cards.card(token);
    const owned = principal.accounts.some(
      (account) => bareAccountId(account.id) === bareAccountId(card.accountId),
    );
    if (!owned) {
      throw notFound();
    }
    return token;
  }
}

/** Card management's errors as HTTP: ours to answer, not a 500, unless it is a real fault. */
function refusalOf(error: unknown): HttpRefusal {
  if (!isPlatformError(error)) {
    throw error;
  }
  if (error.code.startsWith('not_found.')) {
    return notFound();
  }
  if (error.code === 'conflict.card_not_changeable') {
    return new HttpRefusal(
      409,
      'card_not_changeable',
      'only an active or frozen card can be frozen or unfrozen',
    );
  }
  if (error.code.startsWith('invalid.')) {
    return new HttpRefusal(400, 'bad_request', error.message);
  }
  if (error.options.retryable) {
    return error.category === 'timeout'
      ? new HttpRefusal(504, 'timeout', 'timed out, try again')
      : new HttpRefusal(503, 'unavailable', 'temporarily unavailable, try again', {
          'retry-after': '1',
        });
  }
  throw error;
}
