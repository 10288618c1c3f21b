import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ledgerV1 } from '@corebank/contracts-proto';
import { createEventBus, type EventBus } from '@corebank/platform-event-bus';
import { createRpcClient } from '@corebank/platform-rpc';

import { loadFeedConfig } from './config';
import { bootstrap, type RunningFeed } from './main';
import { enrichedEvent, SOURCE_TOPIC, waitUntil } from './testing/enriched-events';
import { call, feedEnvironment, tokenFor } from './testing/feed-client';
import { type LedgerProcess, startLedgerProcess } from './testing/ledger-process';

jest.setTimeout(90_000);

const CUSTOMER_LEDGER_ID = '7001';
const FUNDING_LEDGER_ID = '7002';
const CLEARING_LEDGER_ID = '7003';
const ACCOUNT_ID = `acc_${CUSTOMER_LEDGER_ID}`;

const noTransferFlags: ledgerV1.TransferFlags = {
  linked: false,
  pending: false,
  postPendingTransfer: false,
  voidPendingTransfer: false,
  postAbovePendingAmountAllowed: false,
};

describe('GET /balance from the real ledger over gRPC', () => {
  let directory: string;
  let ledger: LedgerProcess;
  let bus: EventBus;
  let feed: RunningFeed;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'feed-balance-'));
    ledger = await startLedgerProcess(join(directory, 'ledger.db'));
    bus = createEventBus({ engine: 'embedded', path: join(directory, 'bus.db') });
    feed = await bootstrap(loadFeedConfig(feedEnvironment(directory, 31, ledger.address)), {
      eventBus: bus,
    });
  });

  afterAll(async () => {
    await feed.close();
    await bus.close();
    await ledger.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  it('answers available and posted balances from the ledger and today’s spending from the feed', async () => {
    const client = createRpcClient(ledgerV1.LedgerServiceClient, {
      address: ledger.address,
      defaultTimeoutMs: 5_000,
      breaker: false,
    });
    try {
      const account = (
        id: string,
        code: ledgerV1.AccountCode,
        customer: boolean,
      ): ledgerV1.NewAccount => ({
        id,
        currencyCode: 'GBP',
        currencyExponent: 2,
        code,
        flags: { debitsMustNotExceedCredits: customer, creditsMustNotExceedDebits: false },
        userData: '',
      });
      const created = await client.call('createAccounts', {
        accounts: [
          account(CUSTOMER_LEDGER_ID, ledgerV1.AccountCode.ACCOUNT_CODE_CUSTOMER, true),
          account(FUNDING_LEDGER_ID, ledgerV1.AccountCode.ACCOUNT_CODE_FUNDING, false),
          account(CLEARING_LEDGER_ID, ledgerV1.AccountCode.ACCOUNT_CODE_CARD_CLEARING, false),
        ],
      });
      expect(created.results).toEqual(
        [1, 1, 1].map(() => ledgerV1.CreateAccountResult.CREATE_ACCOUNT_RESULT_OK),
      );
      const transfer = (
        id: string,
        debit: string,
        credit: string,
        amount: string,
        pending: boolean,
      ): ledgerV1.NewTransfer => ({
        id,
        debitAccountId: debit,
        creditAccountId: credit,
        amountMinor: amount,
        currencyCode: 'GBP',
        pendingId: '',
        timeoutSeconds: 0,
        userData: '',
        flags: { ...noTransferFlags, pending },
      });
      const moved = await client.call('createTransfers', {
        transfers: [
          transfer('8001', FUNDING_LEDGER_ID, CUSTOMER_LEDGER_ID, '10000', false),
          transfer('8002', CUSTOMER_LEDGER_ID, CLEARING_LEDGER_ID, '1250', true),
        ],
      });
      expect(moved.results).toEqual(
        [1, 1].map(() => ledgerV1.CreateTransferResult.CREATE_TRANSFER_RESULT_OK),
      );
    } finally {
      client.close();
    }

    // The card payment behind the hold reaches the feed as an authorization made just now.
    await bus.publish(SOURCE_TOPIC, [
      enrichedEvent({
        sourceId: '9100',
        accountId: ACCOUNT_ID,
        lifecycleId: 'lc-balance',
        type: 'authorization.transaction.authorized.v1',
        amountMinor: 1250n,
        enriched: true,
        occurredAt: new Date().toISOString(),
      }),
    ]);
    const token = tokenFor('cust_balance', [ACCOUNT_ID, 'acc_7999']);
    let balance: Record<string, unknown> = {};
    await waitUntil(
      async () => {
        balance = (await call(feed.httpPort, 'GET', `/balance?account_id=${ACCOUNT_ID}`, token))
          .body;
        return balance['spend_today'] === -1250;
      },
      20_000,
      () => JSON.stringify(balance),
    );
    expect(balance).toEqual({
      balance: 8750,
      total_balance: 10000,
      currency: 'GBP',
      spend_today: -1250,
    });

    // An account in the token that the ledger does not know, another customer's, and no account.
    expect((await call(feed.httpPort, 'GET', '/balance?account_id=acc_7999', token)).status).toBe(
      404,
    );
    expect(
      (await call(feed.httpPort, 'GET', `/balance?account_id=acc_${FUNDING_LEDGER_ID}`, token))
        .status,
    ).toBe(404);
    expect((await call(feed.httpPort, 'GET', '/balance', token)).status).toBe(400);
  });
});
