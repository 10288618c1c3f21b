import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ledgerV1 } from '@corebank/contracts-proto';
import { systemClock } from '@corebank/platform-clock';
import { isPlatformError } from '@corebank/platform-errors';
import { ConfiguredWorkerLease, SnowflakeGenerator } from '@corebank/platform-ids';
import { createDistributedLocks, type DistributedLocks } from '@corebank/platform-locks';
import { createRpcClient } from '@corebank/platform-rpc';
import { SqliteStore, type Store } from '@corebank/platform-storage';

import { AUTHORIZATION_MIGRATIONS } from '../../adapters/authorization-tables';
import { GrpcLedgerHolds } from '../../adapters/grpc-ledger-holds';
import { StoreAuthorizationStore } from '../../adapters/store-authorization-store';
import type { LedgerOperation } from '../../domain/lifecycle';
import type {
  ApplyOutcome,
  CustomerBalance,
  CustomerLedgerAccounts,
  LedgerHolds,
} from '../../ports/ledger-holds.port';
import { cardMessage } from '../../testing/card-message-builder';
import { type LedgerProcess, startLedgerProcess } from '../../testing/ledger-process';
import { NO_SPENDING_CONTROLS, STANDARD_PRODUCT } from '../../domain/card';
import { ManageCardsUseCase } from '../manage-cards/manage-cards.use-case';
import { NO_DEADLINE } from './process-card-message.command';
import { ProcessCardMessageUseCase } from './process-card-message.use-case';

jest.setTimeout(60_000);

/**
 * The real ledger adapter, plus a switch that reports when a hold was placed: the test's deadline
 * expires at that moment, i.e. after the ledger call and before the commit.
 */
class LedgerCallObserver implements LedgerHolds {
  holdPlaced = false;

  constructor(private readonly ledger: LedgerHolds) {}

  openCustomerAccounts(accounts: CustomerLedgerAccounts): Promise<void> {
    return this.ledger.openCustomerAccounts(accounts);
  }

  async apply(
    accounts: CustomerLedgerAccounts,
    operations: readonly LedgerOperation[],
    options: { readonly forced: boolean; readonly chainId: string },
  ): Promise<ApplyOutcome> {
    const outcome = await this.ledger.apply(accounts, operations, options);
    if (operations.some((operation) => operation.kind === 'place_hold')) {
      this.holdPlaced = true;
    }
    return outcome;
  }

  fund(accounts: CustomerLedgerAccounts, transferId: string, amountMinor: bigint): Promise<void> {
    return this.ledger.fund(accounts, transferId, amountMinor);
  }

  balance(accounts: CustomerLedgerAccounts): Promise<CustomerBalance> {
    return this.ledger.balance(accounts);
  }

  voidHoldIfPending(holdTransferId: string, chainId: string): Promise<boolean> {
    return this.ledger.voidHoldIfPending(holdTransferId, chainId);
  }
}

let directory: string;
let ledgerProcess: LedgerProcess;
let store: Store;
let locks: DistributedLocks;
let ledgerClient: ReturnType<typeof createRpcClient<typeof ledgerV1.LedgerServiceService>>;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'authorization-late-commit-'));
  ledgerProcess = await startLedgerProcess(join(directory, 'ledger.db'));
  store = await SqliteStore.open({ path: join(directory, 'authorization.db') });
  await store.migrate(AUTHORIZATION_MIGRATIONS);
  locks = createDistributedLocks({ engine: 'in-process' });
  ledgerClient = createRpcClient(ledgerV1.LedgerServiceClient, {
    address: ledgerProcess.address,
    defaultTimeoutMs: 5_000,
    breaker: false,
  });
});

afterAll(async () => {
  ledgerClient?.close();
  await locks?.close();
  await store?.close();
  await ledgerProcess?.stop();
  rmSync(directory, { recursive: true, force: true });
});

describe('deadline passes between the ledger hold and the commit', () => {
  it('voids the hold, records 91, and a late copy replays 91 without holding', async () => {
    const ledger = new LedgerCallObserver(
      new GrpcLedgerHolds(ledgerClient, { holdTimeoutSeconds: 0 }),
    );
    const ids = new SnowflakeGenerator({
      clock: systemClock,
      workerLease: new ConfiguredWorkerLease(9),
    });
    const authorizationStore = new StoreAuthorizationStore(store);
    const manageCards = new ManageCardsUseCase({
      store: authorizationStore,
      ledger,
      ids,
      clock: systemClock,
      randomDigits: () => '987654321',
    });
    const account = await manageCards.openAccount({
      idempotencyKey: 'late-commit-account',
      currencyCode: 'GBP',
      customerReference: 'late-commit',
    });
    await manageCards.fundAccount({
      idempotencyKey: 'late-commit-fund',
      accountId: account.accountId,
      amountMinor: 10_000n,
    });
    const card = await manageCards.issueCard({
      idempotencyKey: 'late-commit-card',
      accountId: account.accountId,
      processorToken: '',
      lastFour: '1234',
      expiryMonth: '2030-12',
      activated: true,
      product: STANDARD_PRODUCT,
      controls: NO_SPENDING_CONTROLS,
    });
    const sut = new ProcessCardMessageUseCase({
      store: authorizationStore,
      ledger,
      locks,
      ids,
      clock: systemClock,
      settings: { outboxShardCount: 2, lockWaitMs: 1000, lockTtlMs: 5000, deadlineReserveMs: 1 },
      alert: () => undefined,
    });
    const message = cardMessage({ token: card.token, txnId: '8000000001' });

    const outcome = await sut
      .execute({
        message,
        deadline: { remainingMs: () => (ledger.holdPlaced ? 0 : 1_000) },
      })
      .then(
        () => 'answered',
        (error: unknown) => (isPlatformError(error) ? error.code : String(error)),
      );

    expect(outcome).toBe('timeout.deadline_exceeded');
    expect(ledger.holdPlaced).toBe(true);
    expect(await manageCards.balance(account.accountId)).toMatchObject({
      ledgerBalanceMinor: 10_000n,
      availableBalanceMinor: 10_000n,
    });
    const replay = await sut.execute({ message, deadline: NO_DEADLINE });
    expect(replay.responseCode).toBe('91');
    expect(replay.balance?.availableBalanceMinor).toBe(10_000n);
  });
});
