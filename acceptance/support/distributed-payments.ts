import { randomBytes } from 'node:crypto';

import { authorizationCardsV1, ledgerV1 } from '@corebank/contracts-proto';
import { TRANSACTION_TOPICS } from '@corebank/domain-transaction-events';
import {
  createEventBus,
  type EventBus,
  type EventEnvelope,
  type Subscription,
} from '@corebank/platform-event-bus';
import { createRpcClient, type RpcClient } from '@corebank/platform-rpc';

import { processorAmount } from './card-path-scenario';
import type { DistributedBank } from './distributed-bank';
import { getTransactionEnvelope, PURCHASE_AUTHORIZATION_FIELDS } from './get-transaction-envelope';
import { findPaymentProblems, type PaymentFinding } from './payment-findings';
import { parseGetTransactionReply } from './soap-reply';

const RPC_TIMEOUT_MS = 10_000;
const HTTP_TIMEOUT_MS = 10_000;
const POLL_MS = 250;
/** The customer's transfers read per ledger page (the API's maximum is 1000). */
const LEDGER_PAGE_LIMIT = 1000;
const LEDGER_PAGES_MAX = 20;
/** The feed API's page size maximum, and the pages read per account (newest first). */
const FEED_PAGE_LIMIT = 100;
const FEED_PAGES_MAX = 10;
/** Bounds one card's payments in a stream; their amounts stay distinct (1.00 to 4.99). */
export const PAYMENTS_PER_CARD_MAX = 400;

type CardsClient = RpcClient<typeof authorizationCardsV1.CardServiceService>;
type LedgerClient = RpcClient<typeof ledgerV1.LedgerServiceService>;

/** A test-flagged account with a card and an APNs device registered for its customer. */
export interface DistributedCard {
  readonly accountId: string;
  readonly cardToken: string;
  readonly deviceToken: string;
  readonly customerToken: string;
}

/** One payment as the processor saw it: its TXn_ID, amount and the gateway's answer. */
export interface SentPayment {
  readonly card: DistributedCard;
  readonly txnId: string;
  readonly amountMinor: bigint;
  /** `00` when approved; `none` when no SOAP reply came back (e.g. a connection error). */
  readonly responseStatus: string;
}

/**
 * The processor's and the customer's side of the distributed bank, plus the read-only checks the
 * crash tests make: gRPC to authorization (cards) and the ledger (transfers), SOAP to the gateway,
 * HTTP to feed and notifications, the APNs test server, and a consumer group of its own on
 * authorization.transactions.v1.
 */
export class DistributedPayments {
  private sequence = 0;
  private readonly runId = randomBytes(3).toString('hex');

  private constructor(
    private readonly bank: DistributedBank,
    private readonly cards: CardsClient,
    private readonly ledger: LedgerClient,
    private readonly bus: EventBus,
    private readonly subscription: Subscription,
    /** Every authorization event consumed so far, duplicates included. */
    readonly events: EventEnvelope[],
  ) {}

  static async connect(bank: DistributedBank): Promise<DistributedPayments> {
    const cards = createRpcClient(authorizationCardsV1.CardServiceClient, {
      address: bank.cardsGrpcAddress,
      defaultTimeoutMs: RPC_TIMEOUT_MS,
      breaker: false,
    });
    const ledger = createRpcClient(ledgerV1.LedgerServiceClient, {
      address: bank.ledgerGrpcAddress,
      defaultTimeoutMs: RPC_TIMEOUT_MS,
      breaker: false,
    });
    const bus = createEventBus({
      engine: 'kafka',
      brokers: [...bank.kafka.brokerAddresses],
      clientId: 'distributed-acceptance',
      // The test's own consumer: short timeouts so its group forms fast on the mock.
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 500,
      fetchMaxWaitMs: 200,
    });
    const events: EventEnvelope[] = [];
    const subscription = await bus.subscribe({
      topic: TRANSACTION_TOPICS.authorization,
      groupId: `distributed-acceptance-${process.pid}`,
      handler: (event) => {
        events.push(event);
        return Promise.resolve();
      },
    });
    return new DistributedPayments(bank, cards, ledger, bus, subscription, events);
  }

  async close(): Promise<void> {
    this.cards.close();
    this.ledger.close();
    await this.subscription.stop();
    await this.bus.close();
  }

  private nextKey(): string {
    this.sequence += 1;
    return `${this.runId}${String(this.sequence).padStart(6, '0')}`;
  }

  /** A processor TXn_ID: digits, unique within this run. */
  private nextTxnId(): string {
    this.sequence += 1;
    return `${(Date.now() % 100_000_000).toString().padStart(8, '0')}${String(this.sequence).padStart(6, '0')}`;
  }

  /** Opens a test-flagged account, funds it, issues an active card, registers an APNs device. */
  async openCard(fundMinor: bigint): Promise<DistributedCard> {
    const key = this.nextKey();
    const account = await this.cards.call('openAccount', {
      idempotencyKey: `dist-open-${key}`,
      currencyCode: 'GBP',
      customerReference: `distributed-${key}`,
      testAccount: true,
    });
    await this.cards.call('fundAccount', {
      idempotencyKey: `dist-fund-${key}`,
      accountId: account.accountId,
      amountMinor: fundMinor,
    });
    const card = await this.cards.call('issueCard', {
      idempotencyKey: `dist-issue-${key}`,
      accountId: account.accountId,
      processorToken: '',
      lastFour: '4242',
      expiryMonth: '2030-12',
      activated: true,
      product: {
        productCode: 'standard',
        cashWithdrawalAllowed: true,
        cardNotPresentAllowed: true,
        holdIncludesFees: false,
      },
      controls: undefined,
    });
    const customerToken = await this.bank.customerToken(account.accountId);
    const deviceToken = randomBytes(32).toString('hex');
    const response = await fetch(`${this.bank.notificationsUrl}/devices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${customerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'apns', token: deviceToken }),
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
    if (response.status !== 201) {
      throw new Error(`POST /devices answered ${response.status}: ${await response.text()}`);
    }
    return { accountId: account.accountId, cardToken: card.token, deviceToken, customerToken };
  }

  /** One 0100/A purchase through the gateway's SOAP endpoint, as the processor sends it. */
  async pay(card: DistributedCard, amountMinor: bigint): Promise<SentPayment> {
    const txnId = this.nextTxnId();
    const body = getTransactionEnvelope({
      ...PURCHASE_AUTHORIZATION_FIELDS,
      Token: card.cardToken,
      TXn_ID: txnId,
      traceid_lifecycle: `VIS1-20261122-${txnId}`,
      Bill_Amt: processorAmount(-amountMinor),
      Txn_Amt: processorAmount(amountMinor),
    });
    let responseStatus = 'none';
    try {
      const response = await fetch(this.bank.soapUrl, {
        method: 'POST',
        headers: {
          'content-type': 'text/xml; charset=utf-8',
          soapaction: '"http://tempuri.org/IEndpointVersion52/GetTransaction"',
        },
        body,
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
      const text = await response.text();
      responseStatus =
        response.status === 200
          ? parseGetTransactionReply(text).responseStatus
          : `http-${response.status}`;
    } catch (error) {
      // No answer reached the processor: it is not an approval, so nothing is owed for it.
      responseStatus = `none (${error instanceof Error ? error.message : String(error)})`;
    }
    return { card, txnId, amountMinor, responseStatus };
  }

  /**
   * Pays small amounts on `card` until one is approved: after a restart, the gateway's channel to
   * authorization reconnects with backoff, so the first payments may still be declined (91).
   * Each try is one penny more than the last, from `firstAmountMinor`, so callers keep a card's
   * amounts distinct. Returns the payments made; throws when none was approved within `timeoutMs`.
   */
  async payUntilApproved(
    card: DistributedCard,
    firstAmountMinor: bigint,
    timeoutMs: number,
  ): Promise<SentPayment[]> {
    const deadline = Date.now() + timeoutMs;
    const made: SentPayment[] = [];
    for (let amountMinor = firstAmountMinor; ; amountMinor += 1n) {
      const payment = await this.pay(card, amountMinor);
      made.push(payment);
      if (payment.responseStatus === '00') {
        return made;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `no approval within ${timeoutMs} ms; answers ${made.map((sent) => sent.responseStatus).join(', ')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /**
   * Checks every approved payment has its hold in the ledger, its approval event on the bus,
   * its feed item and its push, each exactly once. Polls until nothing is missing or
   * `timeoutMs` passed, and returns what is still wrong (empty: nothing lost).
   */
  async findLosses(
    payments: readonly SentPayment[],
    timeoutMs: number,
  ): Promise<readonly PaymentFinding[]> {
    const approved = payments.filter((payment) => payment.responseStatus === '00');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const findings = await this.findingsNow(approved);
      if (findings.length === 0 || Date.now() > deadline) {
        return findings;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  private async findingsNow(approved: readonly SentPayment[]): Promise<PaymentFinding[]> {
    const byAccount = new Map<string, SentPayment[]>();
    for (const payment of approved) {
      const list = byAccount.get(payment.card.accountId) ?? [];
      list.push(payment);
      byAccount.set(payment.card.accountId, list);
    }
    const findings: PaymentFinding[] = [];
    for (const [accountId, accountPayments] of byAccount) {
      const card = accountPayments[0]?.card;
      if (card === undefined) {
        continue;
      }
      const account = {
        pendingHoldAmounts: await this.pendingCardHolds(accountId),
        feedItems: await this.feedItems(card),
      };
      for (const payment of accountPayments) {
        findings.push(
          ...findPaymentProblems(
            {
              txnId: payment.txnId,
              amountMinor: payment.amountMinor,
              deviceToken: card.deviceToken,
            },
            account,
            this.events,
            this.bank.acceptedPushes(),
          ),
        );
      }
    }
    return findings;
  }

  /** Amounts of the customer's card holds still pending in the ledger (not voided or posted). */
  private async pendingCardHolds(accountId: string): Promise<bigint[]> {
    const amounts: bigint[] = [];
    let after = '';
    for (let page = 0; page < LEDGER_PAGES_MAX; page += 1) {
      const reply = await this.ledger.call('getAccountTransfers', {
        accountId,
        afterTransferId: after,
        limit: LEDGER_PAGE_LIMIT,
      });
      for (const transfer of reply.transfers) {
        if (
          transfer.userData === 'card_hold' &&
          transfer.pendingStatus === ledgerV1.PendingStatus.PENDING_STATUS_PENDING
        ) {
          amounts.push(BigInt(transfer.amountMinor));
        }
      }
      if (reply.nextAfterTransferId === '') {
        return amounts;
      }
      after = reply.nextAfterTransferId;
    }
    throw new Error(`account ${accountId} has more than ${LEDGER_PAGES_MAX} pages of transfers`);
  }

  /** The account's transactions through the feed API, as its customer sees them (every page). */
  private async feedItems(card: DistributedCard): Promise<{ id: string; amount: number }[]> {
    const items: { id: string; amount: number }[] = [];
    for (let page = 0; page < FEED_PAGES_MAX; page += 1) {
      const before = items.at(-1)?.id;
      const query = new URLSearchParams({
        account_id: card.accountId,
        limit: String(FEED_PAGE_LIMIT),
        ...(before === undefined ? {} : { before }),
      });
      let pageItems: { id: string; amount: number }[];
      try {
        const response = await fetch(`${this.bank.feedUrl}/transactions?${query.toString()}`, {
          headers: { authorization: `Bearer ${card.customerToken}` },
          signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
        });
        if (response.status !== 200) {
          return [];
        }
        const body = (await response.json()) as {
          transactions?: { id: string; amount: number }[];
        };
        pageItems = body.transactions ?? [];
      } catch {
        // The feed is down or restarting: its items count as not there yet; the poll retries.
        return [];
      }
      items.push(...pageItems);
      if (pageItems.length < FEED_PAGE_LIMIT) {
        return items;
      }
    }
    throw new Error(`account ${card.accountId} has more than ${FEED_PAGES_MAX} feed pages`);
  }
}

/** Pause between two payments of one card: a steady trickle (about 1/s per card), not a load test. */
const STREAM_PAUSE_MS = 1000;
/** A card's n-th payment is 1.00 + n pence, so an amount names one payment of its account. */
const STREAM_BASE_AMOUNT_MINOR = 100n;

/**
 * Payments sent continuously while a test kills and restarts apps: one sequential loop per card,
 * each payment of a card with a distinct amount. Bounded: at most PAYMENTS_PER_CARD_MAX per card.
 */
export class PaymentStream {
  readonly sent: SentPayment[] = [];
  private stopping = false;
  /** Set once every card reached PAYMENTS_PER_CARD_MAX (or stop was called). */
  private finished = false;
  private readonly loops: Promise<void>;

  constructor(payments: DistributedPayments, cards: readonly DistributedCard[]) {
    this.loops = Promise.all(
      cards.map(async (card) => {
        for (let index = 0; index < PAYMENTS_PER_CARD_MAX && !this.stopping; index += 1) {
          this.sent.push(await payments.pay(card, STREAM_BASE_AMOUNT_MINOR + BigInt(index)));
          await new Promise((resolve) => setTimeout(resolve, STREAM_PAUSE_MS));
        }
      }),
    ).then(() => {
      this.finished = true;
    });
  }

  approvedCount(): number {
    return this.sent.filter((payment) => payment.responseStatus === '00').length;
  }

  /** Waits until `count` payments of this stream were approved in all; throws after `timeoutMs`. */
  async waitForApprovals(count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.approvedCount() < count) {
      if (Date.now() > deadline) {
        const answers = this.sent.slice(-5).map((payment) => payment.responseStatus);
        throw new Error(
          `${this.approvedCount()} of ${count} approvals in ${timeoutMs} ms` +
            `${this.finished ? ' (stream reached its bound)' : ''}; last answers ${answers.join(', ')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Stops sending and waits for the payments in flight. */
  async stop(): Promise<readonly SentPayment[]> {
    this.stopping = true;
    await this.loops;
    return this.sent;
  }
}
