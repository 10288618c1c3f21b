import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { authorizationCardsV1, authorizationV1 } from '@corebank/contracts-proto';
import {
  createEventBus,
  type EventBus,
  type EventEnvelope,
  type Subscription,
} from '@corebank/platform-event-bus';
import { createRpcClient, type RpcClient } from '@corebank/platform-rpc';

import type { CardMessage } from '../domain/card-message';
import { loadAuthorizationConfig } from '../config';
import { bootstrap, type RunningAuthorization } from '../main';
import { TRANSACTIONS_TOPIC } from '../application/card-events';
import { cardMessage } from './card-message-builder';
import { type LedgerProcess, startLedgerProcess } from './ledger-process';
import { wireCardMessage } from './wire-card-message';

const EVENT_WAIT_MS = 10_000;
const EVENT_POLL_MS = 20;

export type CardsClient = RpcClient<typeof authorizationCardsV1.CardServiceService>;
export type AuthorizationClient = RpcClient<typeof authorizationV1.AuthorizationServiceService>;

export interface TestCard {
  readonly token: string;
  readonly accountId: string;
}

/**
 * The authorization service in this process with a real ledger child process behind it, an
 * embedded bus and a SQLite store in a temp dir, driven only through its gRPC APIs.
 */
export class AuthorizationHarness {
  private sequence = 0;

  private constructor(
    /** Every event consumed from the bus so far, in arrival order. */
    readonly events: EventEnvelope[],
    readonly directory: string,
    private ledger: LedgerProcess,
    private readonly service: RunningAuthorization,
    readonly cards: CardsClient,
    readonly authorization: AuthorizationClient,
    private readonly bus: EventBus,
    private readonly subscription: Subscription,
  ) {}

  static async start(): Promise<AuthorizationHarness> {
    const directory = mkdtempSync(join(tmpdir(), 'authorization-'));
    const ledger = await startLedgerProcess(join(directory, 'ledger.db'));
    const busPath = join(directory, 'bus.db');
    const config = loadAuthorizationConfig({
      AUTHORIZATION_GRPC_PORT: '0',
      LEDGER_GRPC_ADDRESS: ledger.address,
      STORE_SQLITE_PATH: join(directory, 'authorization.db'),
      STORE_SQLITE_SYNCHRONOUS: 'normal',
      EVENT_BUS_PATH: busPath,
      ID_WORKER_SOURCE: 'config',
      ID_WORKER_ID: '2',
      AUTH_OUTBOX_RELAY_INTERVAL_MS: '10',
      AUTH_SHUTDOWN_GRACE_MS: '1000',
    });
    const service = await bootstrap(config);
    const address = `127.0.0.1:${service.port}`;
    const cards = createRpcClient(authorizationCardsV1.CardServiceClient, {
      address,
      defaultTimeoutMs: 10_000,
      breaker: false,
    });
    const authorization = createRpcClient(authorizationV1.AuthorizationServiceClient, {
      address,
      defaultTimeoutMs: 10_000,
      breaker: false,
    });
    const bus = createEventBus({ engine: 'embedded', path: busPath, pollIntervalMs: 5 });
    const events: EventEnvelope[] = [];
    const subscription = await bus.subscribe({
      topic: TRANSACTIONS_TOPIC,
      groupId: 'authorization-harness',
      handler: (event) => {
        events.push(event);
        return Promise.resolve();
      },
    });
    return new AuthorizationHarness(
      events,
      directory,
      ledger,
      service,
      cards,
      authorization,
      bus,
      subscription,
    );
  }

  async stop(): Promise<void> {
    this.cards.close();
    this.authorization.close();
    await this.subscription.stop();
    await this.bus.close();
    await this.service.close();
    await this.ledger.stop();
    rmSync(this.directory, { recursive: true, force: true });
  }

  /** `host:port` of the service's gRPC server. */
  get address(): string {
    return `127.0.0.1:${this.service.port}`;
  }

  /** Simulates the ledger's database going down: the process dies. */
  async killLedger(): Promise<void> {
    await this.ledger.kill();
  }

  async restartLedger(): Promise<void> {
    this.ledger = await startLedgerProcess(join(this.directory, 'ledger.db'), this.ledger.port);
  }

  nextTxnId(): string {
    this.sequence += 1;
    return `${Date.now() % 1_000_000}${String(this.sequence).padStart(6, '0')}`;
  }

  /** Opens an account in `currencyCode`, funds it, and issues an active card on it. */
  async openCard(
    options: {
      readonly fundMinor?: bigint;
      readonly currencyCode?: string;
      readonly expiryMonth?: string;
      readonly controls?: authorizationCardsV1.SpendingControls;
    } = {},
  ): Promise<TestCard> {
    const key = this.nextTxnId();
    const account = await this.cards.call('openAccount', {
      idempotencyKey: `open-${key}`,
      currencyCode: options.currencyCode ?? 'GBP',
      customerReference: `customer-${key}`,
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

  /** A message for `card` with a fresh TXn_ID and payload hash unless overridden. */
  message(card: TestCard | undefined, overrides: Partial<CardMessage> = {}): CardMessage {
    const txnId = overrides.txnId ?? this.nextTxnId();
    return cardMessage({
      token: card?.token ?? '999999999',
      txnId,
      payloadHash: `hash-${txnId}`,
      traceidLifecycle: `VIS1-20261122-${txnId}`,
      ...overrides,
    });
  }

  send(
    message: CardMessage,
    timeoutMs = 10_000,
  ): Promise<authorizationV1.ProcessCardMessageResponse> {
    return this.authorization.call(
      'processCardMessage',
      { message: wireCardMessage(message) },
      { timeoutMs },
    );
  }

  async balance(card: TestCard): Promise<{ ledger: bigint; available: bigint }> {
    const balance = await this.cards.call('getAccountBalance', { accountId: card.accountId });
    return { ledger: balance.ledgerBalanceMinor, available: balance.availableBalanceMinor };
  }

  /** Events for one TXn_ID, after waiting until at least `countMin` arrived. */
  async eventsFor(txnId: string, countMin = 1): Promise<EventEnvelope[]> {
    const deadline = Date.now() + EVENT_WAIT_MS;
    for (;;) {
      const found = this.events.filter((event) => txnIdOf(event) === txnId);
      if (found.length >= countMin || Date.now() > deadline) {
        return found;
      }
      await new Promise((resolve) => setTimeout(resolve, EVENT_POLL_MS));
    }
  }
}

export function txnIdOf(event: EventEnvelope): string | undefined {
  const data = event.data;
  if (typeof data === 'object' && data !== null && 'txnId' in data) {
    const txnId = data.txnId;
    return typeof txnId === 'string' ? txnId : undefined;
  }
  return undefined;
}

export function dataOf(event: EventEnvelope | undefined): Record<string, unknown> {
  const data = event?.data;
  return typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
}
