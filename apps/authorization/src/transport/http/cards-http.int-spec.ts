/**
 * The customer /cards API through HTTP, on the authorization service booted with a real ledger
 * child process, an embedded bus and a SQLite store in a temp dir. Accounts and cards are made
 * through the CardService gRPC API (as the bank does); a freeze through HTTP must decline the
 * very next authorization.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { authorizationCardsV1, authorizationV1 } from '@corebank/contracts-proto';
import { issueToken } from '@corebank/platform-auth';
import { createRpcClient, type RpcClient } from '@corebank/platform-rpc';

import { loadAuthorizationConfig } from '../../config';
import { bootstrap, type RunningAuthorization } from '../../main';
import { cardMessage } from '../../testing/card-message-builder';
import { type LedgerProcess, startLedgerProcess } from '../../testing/ledger-process';
import { wireCardMessage } from '../../testing/wire-card-message';
import { CARDS_OPENAPI_DOCUMENT } from './cards-openapi';
import { CARDS_ROUTES } from './cards-routes';

jest.setTimeout(60_000);

const SECRET = 'cards-http-int-spec-secret-of-at-least-32-bytes';
const ISSUER = 'corebank';

let directory: string;
let ledger: LedgerProcess | undefined;
let service: RunningAuthorization | undefined;
let cards: RpcClient<typeof authorizationCardsV1.CardServiceService>;
let authorization: RpcClient<typeof authorizationV1.AuthorizationServiceService>;
let baseUrl: string;
let sequence = 0;

interface Customer {
  readonly accountId: string;
  readonly cardToken: string;
  readonly bearer: string;
}

function tokenFor(accountIds: readonly string[], nowMs = Date.now(), ttlSeconds = 600): string {
  return issueToken(
    {
      customerId: `customer-${accountIds.join('-')}`,
      accounts: accountIds.map((id) => ({
        id,
        description: 'current account',
        created: '2026-11-22T10:00:00Z',
      })),
      issuer: ISSUER,
      nowMs,
      ttlSeconds,
    },
    { algorithm: 'HS256', secret: SECRET },
  );
}

async function newCustomer(): Promise<Customer> {
  sequence += 1;
  const key = `cards-http-${sequence}`;
  const account = await cards.call('openAccount', {
    idempotencyKey: `open-${key}`,
    currencyCode: 'GBP',
    customerReference: key,
    testAccount: false,
  });
  await cards.call('fundAccount', {
    idempotencyKey: `fund-${key}`,
    accountId: account.accountId,
    amountMinor: 10_000n,
  });
  const card = await cards.call('issueCard', {
    idempotencyKey: `issue-${key}`,
    accountId: account.accountId,
    processorToken: '',
    lastFour: '4242',
    expiryMonth: '2030-12',
    activated: true,
    product: undefined,
    controls: undefined,
  });
  return {
    accountId: account.accountId,
    cardToken: card.token,
    bearer: tokenFor([account.accountId]),
  };
}

async function call(
  method: string,
  path: string,
  bearer: string | undefined,
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` },
    signal: AbortSignal.timeout(10_000),
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    headers: response.headers,
  };
}

async function decide(cardToken: string): Promise<string> {
  sequence += 1;
  const txnId = `${Date.now() % 1_000_000}${String(sequence).padStart(6, '0')}`;
  const response = await authorization.call(
    'processCardMessage',
    {
      message: wireCardMessage(
        cardMessage({
          token: cardToken,
          txnId,
          payloadHash: `hash-${txnId}`,
          traceidLifecycle: `VIS1-20261122-${txnId}`,
        }),
      ),
    },
    { timeoutMs: 10_000 },
  );
  return response.responseCode;
}

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'cards-http-'));
  ledger = await startLedgerProcess(join(directory, 'ledger.db'));
  service = await bootstrap(
    loadAuthorizationConfig({
      AUTHORIZATION_GRPC_PORT: '0',
      AUTHORIZATION_HTTP_PORT: '0',
      AUTH_JWT_ALGORITHM: 'HS256',
      AUTH_JWT_HS256_SECRET: SECRET,
      LEDGER_GRPC_ADDRESS: ledger.address,
      STORE_SQLITE_PATH: join(directory, 'authorization.db'),
      STORE_SQLITE_SYNCHRONOUS: 'normal',
      EVENT_BUS_PATH: join(directory, 'bus.db'),
      ID_WORKER_SOURCE: 'config',
      ID_WORKER_ID: '2',
      AUTH_SHUTDOWN_GRACE_MS: '1000',
      LOG_LEVEL: 'error',
    }),
  );
  const grpcAddress = `127.0.0.1:${service.port}`;
  cards = createRpcClient(authorizationCardsV1.CardServiceClient, {
    address: grpcAddress,
    defaultTimeoutMs: 10_000,
    breaker: false,
  });
  authorization = createRpcClient(authorizationV1.AuthorizationServiceClient, {
    address: grpcAddress,
    defaultTimeoutMs: 10_000,
    breaker: false,
  });
  baseUrl = `http://127.0.0.1:${String(service.httpPort)}`;
});

afterAll(async () => {
  cards?.close();
  authorization?.close();
  await service?.close();
  await ledger?.stop();
  rmSync(directory, { recursive: true, force: true });
});

describe('customer /cards API', () => {
  it('lists the cards of an account the token names, in the customer view', async () => {
    const alice = await newCustomer();
    const listed = await call('GET', `/cards?account_id=${alice.accountId}`, alice.bearer);
    expect(listed.status).toBe(200);
    expect(listed.headers.get('cache-control')).toBe('no-store');
    expect(listed.body).toEqual({
      cards: [
        {
          id: `card_${alice.cardToken}`,
          account_id: alice.accountId,
          last_four: '4242',
          expiry: '2030-12',
          status: 'active',
          currency: 'GBP',
        },
      ],
    });
  });

  it('freezes so the next authorization declines 62, and unfreezes so the next approves', async () => {
    const alice = await newCustomer();
    const cardId = `card_${alice.cardToken}`;
    expect(await decide(alice.cardToken)).toBe('00');

    const frozen = await call('POST', `/cards/${cardId}/freeze`, alice.bearer);
    expect(frozen.status).toBe(200);
    expect(frozen.body['card']).toMatchObject({ id: cardId, status: 'frozen' });
    expect(await decide(alice.cardToken)).toBe('62');
    // Freezing a frozen card changes nothing and says so with the card as it is.
    expect(
      (await call('POST', `/cards/${cardId}/freeze`, alice.bearer)).body['card'],
    ).toMatchObject({ status: 'frozen' });
    const listed = await call('GET', `/cards?account_id=${alice.accountId}`, alice.bearer);
    expect(listed.body['cards']).toEqual([expect.objectContaining({ status: 'frozen' })]);

    const unfrozen = await call('POST', `/cards/${cardId}/unfreeze`, alice.bearer);
    expect(unfrozen.status).toBe(200);
    expect(unfrozen.body['card']).toMatchObject({ status: 'active' });
    expect(await decide(alice.cardToken)).toBe('00');
  });

  it("never shows or changes another customer's card: 404 as for no card at all", async () => {
    const alice = await newCustomer();
    const bob = await newCustomer();
    const bobsCard = `card_${bob.cardToken}`;
    const listed = await call('GET', `/cards?account_id=${bob.accountId}`, alice.bearer);
    expect([listed.status, listed.body['code']]).toEqual([404, 'not_found']);
    const frozen = await call('POST', `/cards/${bobsCard}/freeze`, alice.bearer);
    expect([frozen.status, frozen.body['code']]).toEqual([404, 'not_found']);
    const missing = await call('POST', '/cards/card_999999999999/freeze', alice.bearer);
    expect([missing.status, missing.body]).toEqual([
      404,
      { code: 'not_found', message: 'no such object' },
    ]);
    // Bob's card is untouched: his next authorization still approves.
    expect(await decide(bob.cardToken)).toBe('00');
    const bobs = await call('GET', `/cards?account_id=${bob.accountId}`, bob.bearer);
    expect(bobs.body['cards']).toEqual([expect.objectContaining({ status: 'active' })]);
  });

  it('a token naming both accounts reaches both cards', async () => {
    const first = await newCustomer();
    const second = await newCustomer();
    const both = tokenFor([first.accountId, second.accountId]);
    expect((await call('POST', `/cards/card_${second.cardToken}/freeze`, both)).status).toBe(200);
    expect((await call('POST', `/cards/card_${second.cardToken}/unfreeze`, both)).status).toBe(200);
    expect((await call('GET', `/cards?account_id=${first.accountId}`, both)).status).toBe(200);
  });

  it('refuses bad input with a reason: 401 without or with a bad token, 400, 404, 405', async () => {
    const alice = await newCustomer();
    const missing = await call('GET', `/cards?account_id=${alice.accountId}`, undefined);
    expect([missing.status, missing.body['error']]).toEqual([401, 'invalid_token']);
    expect(missing.headers.get('www-authenticate')).toContain('invalid_token');
    const expired = tokenFor([alice.accountId], Date.now() - 3_600_000, 60);
    const refused = await call('GET', `/cards?account_id=${alice.accountId}`, expired);
    expect(refused.status).toBe(401);
    expect(String(refused.body['message'])).toMatch(/expired/);
    const forged = `${alice.bearer.slice(0, -4)}AAAA`;
    expect((await call('GET', `/cards?account_id=${alice.accountId}`, forged)).status).toBe(401);

    const noAccount = await call('GET', '/cards', alice.bearer);
    expect(noAccount.status).toBe(400);
    expect(noAccount.body).toEqual({ code: 'bad_request', message: 'account_id is required' });
    expect((await call('POST', '/cards/not-a-card/freeze', alice.bearer)).status).toBe(404);
    expect((await call('GET', '/cards/elsewhere', alice.bearer)).status).toBe(404);
    const wrongVerb = await call('GET', `/cards/card_${alice.cardToken}/freeze`, alice.bearer);
    expect([wrongVerb.status, wrongVerb.headers.get('allow')]).toEqual([405, 'POST']);
  });

  it('refuses to unfreeze a card the customer cannot change (reported lost) with 409', async () => {
    const alice = await newCustomer();
    await cards.call('reportCard', {
      token: alice.cardToken,
      report: authorizationCardsV1.CardReport.CARD_REPORT_LOST,
    });
    const unfrozen = await call('POST', `/cards/card_${alice.cardToken}/unfreeze`, alice.bearer);
    expect([unfrozen.status, unfrozen.body['code']]).toEqual([409, 'card_not_changeable']);
    expect(await decide(alice.cardToken)).toBe('41');
  });

  it('serves its OpenAPI document without a token, documenting exactly the routes it serves', async () => {
    const document = await call('GET', '/cards/openapi.json', undefined);
    expect(document.status).toBe(200);
    expect(document.body).toEqual(JSON.parse(JSON.stringify(CARDS_OPENAPI_DOCUMENT)));
    const paths: Readonly<
      Record<string, Readonly<Record<string, { readonly operationId: string }>>>
    > = CARDS_OPENAPI_DOCUMENT.paths;
    const documented = Object.entries(paths).flatMap(([path, item]) =>
      Object.entries(item).map(
        ([method, operation]) => `${method.toUpperCase()} ${path} ${operation.operationId}`,
      ),
    );
    expect(documented.sort()).toEqual(
      CARDS_ROUTES.map((route) => `${route.method} ${route.path} ${route.name}`).sort(),
    );
  });
});
