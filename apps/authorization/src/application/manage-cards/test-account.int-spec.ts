import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ledgerV1 } from '@corebank/contracts-proto';
import { systemClock } from '@corebank/platform-clock';
import { ConfiguredWorkerLease, SnowflakeGenerator } from '@corebank/platform-ids';
import { createRpcClient } from '@corebank/platform-rpc';
import { SqliteStore } from '@corebank/platform-storage';

import { AUTHORIZATION_MIGRATIONS } from '../../adapters/authorization-tables';
import { GrpcLedgerHolds } from '../../adapters/grpc-ledger-holds';
import { StoreAuthorizationStore } from '../../adapters/store-authorization-store';
import { type LedgerProcess, startLedgerProcess } from '../../testing/ledger-process';
import { ManageCardsUseCase } from './manage-cards.use-case';

/**
 * Test accounts (OpenAccount test_account) on the real ledger: the flag is stored with the account
 * and its cards, and their money moves apart from real customers' (own funding account, own
 * user_data on the ledger accounts), so real totals leave it out.
 */
let directory: string;
let ledgerProcess: LedgerProcess;
let store: SqliteStore;
let ledgerClient: ReturnType<typeof createRpcClient<typeof ledgerV1.LedgerServiceService>>;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'authorization-test-account-'));
  ledgerProcess = await startLedgerProcess(join(directory, 'ledger.db'));
  store = await SqliteStore.open({ path: join(directory, 'authorization.db') });
  await store.migrate(AUTHORIZATION_MIGRATIONS);
  ledgerClient = createRpcClient(ledgerV1.LedgerServiceClient, {
    address: ledgerProcess.address,
    defaultTimeoutMs: 10_000,
    breaker: false,
  });
}, 70_000);

afterAll(async () => {
  ledgerClient?.close();
  await store?.close();
  await ledgerProcess?.stop();
  rmSync(directory, { recursive: true, force: true });
}, 20_000);

async function ledgerAccount(id: string): Promise<ledgerV1.Account> {
  const { accounts } = await ledgerClient.call('lookupAccounts', { ids: [id] });
  const account = accounts[0];
  if (account === undefined) {
    throw new Error(`no ledger account ${id}`);
  }
  return account;
}

it('keeps a test account, its card and its funding apart from a real customer', async () => {
  const authorizationStore = new StoreAuthorizationStore(store);
  const manageCards = new ManageCardsUseCase({
    store: authorizationStore,
    ledger: new GrpcLedgerHolds(ledgerClient, { holdTimeoutSeconds: 0 }),
    ids: new SnowflakeGenerator({ clock: systemClock, workerLease: new ConfiguredWorkerLease(11) }),
    clock: systemClock,
    randomDigits: (count) => '7'.repeat(count),
  });
  const open = (key: string, testAccount: boolean | undefined) =>
    manageCards.openAccount({
      idempotencyKey: key,
      currencyCode: 'GBP',
      customerReference: key,
      testAccount,
    });
  const real = await open('real', undefined);
  const test = await open('test', true);
  expect(real.testAccount).toBeUndefined();
  expect(test.testAccount).toBe(true);
  // Stored: the same key finds the flagged account again, and a reread keeps the flag.
  expect((await open('test', false)).testAccount).toBe(true);
  expect((await authorizationStore.getAccount(test.accountId))?.testAccount).toBe(true);

  const issue = (accountId: string, token: string) =>
    manageCards.issueCard({
      idempotencyKey: `card-${token}`,
      accountId,
      processorToken: token,
      lastFour: '1234',
      expiryMonth: '2031-12',
      activated: true,
      product: {
        productCode: 'standard',
        cashWithdrawalAllowed: true,
        cardNotPresentAllowed: true,
        holdIncludesFees: false,
      },
      controls: {
        blockedMccGroups: [],
        perTransactionLimitMinor: 0n,
        dailyLimitMinor: 0n,
        cardNotPresentBlocked: false,
        blockedCountries: [],
      },
    });
  expect((await issue(real.accountId, '511111111')).testAccount).toBeUndefined();
  await issue(test.accountId, '522222222');
  expect((await manageCards.card('522222222')).testAccount).toBe(true);
  expect((await manageCards.card('511111111')).testAccount).toBeUndefined();

  await manageCards.fundAccount({
    idempotencyKey: 'f1',
    accountId: real.accountId,
    amountMinor: 700n,
  });
  await manageCards.fundAccount({
    idempotencyKey: 'f2',
    accountId: test.accountId,
    amountMinor: 300n,
  });
  expect((await manageCards.balance(test.accountId)).availableBalanceMinor).toBe(300n);

  expect((await ledgerAccount(test.accountId)).userData).toBe('test_customer');
  expect((await ledgerAccount(test.overdraftAccountId)).userData).toBe('test_customer_overdraft');
  expect((await ledgerAccount(real.accountId)).userData).toBe('customer');
  const realFunding = await ledgerAccount(GrpcLedgerHolds.fundingAccountId('GBP'));
  const testFunding = await ledgerAccount(GrpcLedgerHolds.testFundingAccountId('GBP'));
  expect(realFunding.debitsPostedMinor).toBe('700');
  expect(testFunding.debitsPostedMinor).toBe('300');
  expect(testFunding.userData).toBe('test_funding');
}, 60_000);
