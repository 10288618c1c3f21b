import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { authorizationCardsV1, ledgerV1 } from '@corebank/contracts-proto';
import { TRANSACTION_TOPICS } from '@corebank/domain-transaction-events';
import {
  createEventBus,
  type EventBus,
  type EventEnvelope,
  type Subscription,
} from '@corebank/platform-event-bus';
import { createRpcClient, type RpcClient } from '@corebank/platform-rpc';

import { type ChildService, startChildService } from './child-service';

const EVENT_WAIT_MS = 15_000;
const EVENT_POLL_MS = 20;
const HTTP_TIMEOUT_MS = 15_000;
const RECONNECT_ATTEMPTS_MAX = 80;
const RECONNECT_POLL_MS = 250;
/**
 * The gateway's whole deadline budget. Production runs 80 ms (CARD-PROCESSOR.md §7); this busy
 * shared test machine gets the config's maximum so scenarios test behaviour, not load.
 */
const GATEWAY_DEADLINE_BUDGET_MS = 1000;

export type CardsClient = RpcClient<typeof authorizationCardsV1.CardServiceService>;
export type LedgerClient = RpcClient<typeof ledgerV1.LedgerServiceService>;

export interface AcceptanceCard {
  readonly token: string;
  readonly accountId: string;
}

export interface HttpReply {
  readonly status: number;
  readonly body: string;
}

/**
 * Ledger, authorization and card-gateway as child processes from their main.ts, each on a free
 * 127.0.0.1 port with its store in one temp dir; the suite reaches them only over HTTP (SOAP),
 * gRPC and the bus file the authorization service publishes to.
 */
export class CardPathServices {
  private sequence = 0;
  private stopped = false;

  private constructor(
    private readonly logLevel: string,
    readonly directory: string,
    /** Shared by every incarnation of the ledger process, so a restart keeps earlier lines. */
    private readonly ledgerLog: string[],
    private ledger: ChildService,
    readonly authorization: ChildService,
    readonly gateway: ChildService,
    readonly cards: CardsClient,
    private ledgerClient: LedgerClient,
    private readonly bus: EventBus,
    private readonly subscription: Subscription,
    /** Every event consumed from authorization.transactions.v1 so far, in arrival order. */
    readonly events: EventEnvelope[],
    private readonly httpAgent: Agent,
  ) {}

  static async start(
    options: { readonly gatewayDeadlineBudgetMs?: number; readonly logLevel?: string } = {},
  ): Promise<CardPathServices> {
    const logLevel = options.logLevel ?? 'debug';
    const directory = mkdtempSync(join(tmpdir(), 'acceptance-card-path-'));
    const started: ChildService[] = [];
    try {
      const ledgerLog: string[] = [];
      const ledger = await startLedger(directory, 0, ledgerLog, logLevel);
      started.push(ledger);
      const busPath = join(directory, 'event-bus.db');
      const authorization = await startChildService(
        'authorization',
        {
          AUTHORIZATION_GRPC_HOST: '127.0.0.1',
          AUTHORIZATION_GRPC_PORT: '0',
          LEDGER_GRPC_ADDRESS: `127.0.0.1:${ledger.port}`,
          LEDGER_CALL_TIMEOUT_MS: '5000',
          STORE_SQLITE_PATH: join(directory, 'authorization.db'),
          STORE_SQLITE_SYNCHRONOUS: 'normal',
          EVENT_BUS_PATH: busPath,
          ID_WORKER_SOURCE: 'config',
          ID_WORKER_ID: '2',
          AUTH_OUTBOX_RELAY_INTERVAL_MS: '10',
          AUTH_SHUTDOWN_GRACE_MS: '1000',
          // One authorization replica: its write-through card cache is exact.
          AUTH_CARD_CACHE_TTL_MS: '1000',
          LOG_LEVEL: logLevel,
        },
        'grpcPort',
      );
      started.push(authorization);
      const gateway = await startChildService(
        'card-gateway',
        {
          CARD_GATEWAY_HOST: '127.0.0.1',
          CARD_GATEWAY_PORT: '0',
          CARD_GATEWAY_AUTH_MODE: 'none',
          CARD_GATEWAY_AUTHORIZATION_ADDRESS: `127.0.0.1:${authorization.port}`,
          CARD_GATEWAY_DEADLINE_BUDGET_MS: String(
            options.gatewayDeadlineBudgetMs ?? GATEWAY_DEADLINE_BUDGET_MS,
          ),
          CARD_GATEWAY_SHUTDOWN_GRACE_MS: '1000',
          LOG_LEVEL: logLevel,
        },
        'port',
      );
      started.push(gateway);
      const cards = createRpcClient(authorizationCardsV1.CardServiceClient, {
        address: `127.0.0.1:${authorization.port}`,
        defaultTimeoutMs: 10_000,
        breaker: false,
      });
      const ledgerClient = createLedgerClient(ledger.port);
      const bus = createEventBus({ engine: 'embedded', path: busPath, pollIntervalMs: 5 });
      const events: EventEnvelope[] = [];
      const subscription = await bus.subscribe({
        topic: TRANSACTION_TOPICS.authorization,
        groupId: `acceptance-${process.pid}`,
        handler: (event) => {
          events.push(event);
          return Promise.resolve();
        },
      });
      return new CardPathServices(
        logLevel,
        directory,
        ledgerLog,
        ledger,
        authorization,
        gateway,
        cards,
        ledgerClient,
        bus,
        subscription,
        events,
        new Agent({ keepAlive: true, maxSockets: 4 }),
      );
    } catch (error) {
      await Promise.all(started.map((service) => service.stop()));
      rmSync(directory, { recursive: true, force: true });
      throw error;
    }
  }

  /** Stops every process and client it started; the stores stay until removeDirectory. */
  async stop(): Promise<void> {
    if (this.stopped) {
      return;
    }
    this.stopped = true;
    this.httpAgent.destroy();
    this.cards.close();
    this.ledgerClient.close();
    await this.subscription.stop();
    await this.bus.close();
    await this.gateway.stop();
    await this.authorization.stop();
    await this.ledger.stop();
  }

  removeDirectory(): void {
    rmSync(this.directory, { recursive: true, force: true });
  }

  /** Every captured log line of every child process, tagged with its process name. */
  allLogLines(): { readonly service: string; readonly line: string }[] {
    return [this.ledger, this.authorization, this.gateway].flatMap((service) =>
      service.logLines.map((line) => ({ service: service.name, line })),
    );
  }

  /** The ledger's database "goes down": the process dies. */
  async killLedger(): Promise<void> {
    await this.ledger.kill();
  }

  /** Restarts the ledger on its old port and store, so the authorization service reconnects. */
  async restartLedger(): Promise<void> {
    const port = this.ledger.port;
    this.ledgerClient.close();
    const ledger = await startLedger(this.directory, port, this.ledgerLog, this.logLevel);
    this.ledger = ledger;
    this.ledgerClient = createLedgerClient(ledger.port);
  }

  /**
   * Waits (bounded) until the authorization service reaches the restarted ledger again: its
   * channel reconnects with backoff, so the first calls after a restart may still fail.
   */
  async awaitLedgerReachable(card: AcceptanceCard): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.cardBalance(card);
        return;
      } catch (error) {
        if (attempt >= RECONNECT_ATTEMPTS_MAX) {
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_POLL_MS));
      }
    }
  }

  nextTxnId(): string {
    this.sequence += 1;
    return `${(Date.now() % 100_000_000).toString().padStart(8, '0')}${String(this.sequence).padStart(6, '0')}`;
  }

  async openCard(
    options: {
      readonly fundMinor?: bigint;
      readonly currencyCode?: string;
      readonly expiryMonth?: string;
      readonly controls?: authorizationCardsV1.SpendingControls;
    } = {},
  ): Promise<AcceptanceCard> {
    const key = this.nextTxnId();
    const account = await this.cards.call('openAccount', {
      idempotencyKey: `open-${key}`,
      currencyCode: options.currencyCode ?? 'GBP',
      customerReference: `acceptance-${key}`,
    });
    const fundMinor = options.fundMinor ?? 10_000n;
    if (fundMinor > 0n) {
      await this.cards.call('fundAccount', {
        idempotencyKey: `fund-${key}`,
        accountId: account.accountId,
        amountMinor: fundMinor,
      });
    }
    const card = await this.cards.call('issueCard', {
      idempotencyKey: `issue-${key}`,
      accountId: account.accountId,
      processorToken: '',
      lastFour: '4242',
      expiryMonth: options.expiryMonth ?? '2030-12',
      activated: true,
      product: {
        productCode: 'standard',
        cashWithdrawalAllowed: true,
        cardNotPresentAllowed: true,
        holdIncludesFees: false,
      },
      controls: options.controls,
    });
    return { token: card.token, accountId: account.accountId };
  }

  /** Balances as the authorization service reports them (customer less overdraft drawn). */
  async cardBalance(card: AcceptanceCard): Promise<{ ledger: bigint; available: bigint }> {
    const balance = await this.cards.call('getAccountBalance', { accountId: card.accountId });
    return { ledger: balance.ledgerBalanceMinor, available: balance.availableBalanceMinor };
  }

  /** The customer's own ledger account, read from the ledger service itself. */
  async ledgerBalance(card: AcceptanceCard): Promise<{ ledger: bigint; available: bigint }> {
    const reply = await this.ledgerClient.call('getAccountBalances', {
      accountIds: [card.accountId],
    });
    const [balance] = reply.balances;
    if (balance === undefined) {
      throw new Error(`ledger has no account ${card.accountId}`);
    }
    return {
      ledger: BigInt(balance.ledgerBalanceMinor),
      available: BigInt(balance.availableBalanceMinor),
    };
  }

  /** POSTs a body to the gateway's /ehi over a keep-alive connection, as the processor does. */
  post(body: string | Buffer, headers: Readonly<Record<string, string>> = {}): Promise<HttpReply> {
    return this.http('POST', '/ehi', body, headers);
  }

  getWsdl(): Promise<HttpReply> {
    return this.http('GET', '/ehi?wsdl', undefined, {});
  }

  private http(
    method: string,
    path: string,
    body: string | Buffer | undefined,
    headers: Readonly<Record<string, string>>,
  ): Promise<HttpReply> {
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          host: '127.0.0.1',
          port: this.gateway.port,
          method,
          path,
          agent: this.httpAgent,
          timeout: HTTP_TIMEOUT_MS,
          headers: {
            ...(body === undefined
              ? {}
              : {
                  'content-type': 'text/xml; charset=utf-8',
                  soapaction: '"http://tempuri.org/IEndpointVersion52/GetTransaction"',
                  'content-length': String(Buffer.byteLength(body)),
                }),
            ...headers,
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          response.on('error', reject);
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error(`${method} ${path} timed out`)));
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  /** Events for one TXn_ID, after waiting until at least `countMin` arrived (bounded). */
  async eventsFor(txnId: string, countMin = 1): Promise<EventEnvelope[]> {
    const deadline = Date.now() + EVENT_WAIT_MS;
    for (;;) {
      const found = this.events.filter((event) => eventData(event)['txnId'] === txnId);
      if (found.length >= countMin || Date.now() > deadline) {
        return found;
      }
      await new Promise((resolve) => setTimeout(resolve, EVENT_POLL_MS));
    }
  }
}

export function eventData(event: EventEnvelope | undefined): Record<string, unknown> {
  const data = event?.data;
  return typeof data === 'object' && data !== null && !Array.isArray(data)
    ? (data as Record<string, unknown>)
    : {};
}

function startLedger(
  directory: string,
  port: number,
  logLines: string[],
  logLevel: string,
): Promise<ChildService> {
  return startChildService(
    'ledger',
    {
      STORE_SQLITE_PATH: join(directory, 'ledger.db'),
      STORE_SQLITE_SYNCHRONOUS: 'normal',
      LEDGER_GRPC_HOST: '127.0.0.1',
      LEDGER_GRPC_PORT: String(port),
      LEDGER_WORKER_ID: '1',
      LEDGER_GROUP_COMMIT_WINDOW_MS: '1',
      LEDGER_SHUTDOWN_GRACE_MS: '1000',
      LOG_LEVEL: logLevel,
    },
    'grpcPort',
    logLines,
  );
}

function createLedgerClient(port: number): LedgerClient {
  return createRpcClient(ledgerV1.LedgerServiceClient, {
    address: `127.0.0.1:${port}`,
    defaultTimeoutMs: 10_000,
    breaker: false,
  });
}
