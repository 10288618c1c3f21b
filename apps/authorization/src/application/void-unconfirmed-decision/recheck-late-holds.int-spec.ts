import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ledgerV1 } from '@corebank/contracts-proto';
import type { Clock } from '@corebank/platform-clock';
import { ConfiguredWorkerLease, SnowflakeGenerator } from '@corebank/platform-ids';
import { createDistributedLocks, type DistributedLocks } from '@corebank/platform-locks';
import { createRpcClient } from '@corebank/platform-rpc';
import { SqliteStore, type Store } from '@corebank/platform-storage';

import { AUTHORIZATION_MIGRATIONS } from '../../adapters/authorization-tables';
import { GrpcLedgerHolds } from '../../adapters/grpc-ledger-holds';
import { StoreAuthorizationStore } from '../../adapters/store-authorization-store';
import type { CustomerLedgerAccounts } from '../../ports/ledger-holds.port';
import { type LedgerProcess, startLedgerProcess } from '../../testing/ledger-process';
import { deriveLedgerId } from '../ledger-transfer-ids';
import { RecheckLateHoldsUseCase } from './recheck-late-holds.use-case';
import { VoidUnconfirmedDecisionUseCase } from './void-unconfirmed-decision.use-case';

jest.setTimeout(60_000);

const RECHECK_DELAY_MS = 10_000;
const SETTINGS = { outboxShardCount: 4, lockWaitMs: 2_000, lockTtlMs: 5_000, deadlineReserveMs: 0 };

/** The system clock plus a settable offset, to make rechecks due without waiting. */
class OffsetClock implements Clock {
  offsetMs = 0;
  nowMs(): number {
    return Date.now() + this.offsetMs;
  }
  now(): Date {
    return new Date(this.nowMs());
  }
}

let directory: string;
let ledgerProcess: LedgerProcess;
let store: Store;
let locks: DistributedLocks;
let ledgerClient: ReturnType<typeof createRpcClient<typeof ledgerV1.LedgerServiceService>>;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'authorization-late-hold-'));
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

describe('late hold after VoidUnconfirmedDecision of a TXn_ID never seen', () => {
  it('is voided by the durable recheck once due, and the recheck runs once', async () => {
    const clock = new OffsetClock();
    const ledger = new GrpcLedgerHolds(ledgerClient, { holdTimeoutSeconds: 0 });
    const authorizationStore = new StoreAuthorizationStore(store);
    const ids = new SnowflakeGenerator({ clock, workerLease: new ConfiguredWorkerLease(11) });
    const accounts: CustomerLedgerAccounts = {
      accountId: deriveLedgerId('late-hold:customer'),
      overdraftAccountId: deriveLedgerId('late-hold:overdraft'),
      currencyCode: 'GBP',
    };
    await ledger.openCustomerAccounts(accounts);
    await ledger.fund(accounts, deriveLedgerId('late-hold:fund'), 10_000n);
    const voidUnconfirmed = new VoidUnconfirmedDecisionUseCase({
      store: authorizationStore,
      ledger,
      locks,
      ids,
      clock,
      settings: SETTINGS,
      lateHoldRecheckDelayMs: RECHECK_DELAY_MS,
    });
    const recheck = new RecheckLateHoldsUseCase({
      store: authorizationStore,
      ledger,
      locks,
      clock,
      settings: SETTINGS,
      batchSizeMax: 10,
    });
    const txnId = '8100000001';

    // The gateway answered 91 before we ever saw the TXn_ID: nothing held yet.
    expect(
      await voidUnconfirmed.execute({ txnId, answeredResponseCode: '91', reason: 'deadline' }),
    ).toEqual({ holdReleased: false });
    // Then the hold of a call already in flight lands in the ledger.
    const landed = await ledger.apply(
      accounts,
      [{ kind: 'place_hold', transferId: deriveLedgerId(`txn:${txnId}:hold`), amountMinor: 700n }],
      { forced: false, chainId: `txn:${txnId}` },
    );
    expect(landed.kind).toBe('applied');
    expect((await ledger.balance(accounts)).availableBalanceMinor).toBe(9_300n);

    // Not due yet: nothing is looked at.
    expect(await recheck.run()).toEqual({ checked: 0, released: 0 });
    expect((await ledger.balance(accounts)).availableBalanceMinor).toBe(9_300n);

    clock.offsetMs = RECHECK_DELAY_MS + 1;
    expect(await recheck.run()).toEqual({ checked: 1, released: 1 });
    const balance = await ledger.balance(accounts);
    expect(balance.availableBalanceMinor).toBe(10_000n);
    expect(balance.ledgerBalanceMinor).toBe(10_000n);
    const record = await authorizationStore.getProcessed(txnId);
    expect(record?.decision).toBe('voided');
    expect(record?.flags).toEqual(['voided_before_seen', 'hold_released', 'late_hold']);

    // The row is gone: a later run checks nothing.
    expect(await recheck.run()).toEqual({ checked: 0, released: 0 });
  });

  it('deletes a due recheck that finds no hold, leaving the record as it was', async () => {
    const clock = new OffsetClock();
    const ledger = new GrpcLedgerHolds(ledgerClient, { holdTimeoutSeconds: 0 });
    const authorizationStore = new StoreAuthorizationStore(store);
    const ids = new SnowflakeGenerator({ clock, workerLease: new ConfiguredWorkerLease(12) });
    const dependencies = { store: authorizationStore, ledger, locks, clock, settings: SETTINGS };
    const voidUnconfirmed = new VoidUnconfirmedDecisionUseCase({
      ...dependencies,
      ids,
      lateHoldRecheckDelayMs: RECHECK_DELAY_MS,
    });
    const recheck = new RecheckLateHoldsUseCase({ ...dependencies, batchSizeMax: 10 });
    const txnId = '8100000002';
    await voidUnconfirmed.execute({ txnId, answeredResponseCode: '96', reason: 'error' });

    clock.offsetMs = RECHECK_DELAY_MS + 1;
    expect(await recheck.run()).toEqual({ checked: 1, released: 0 });
    expect((await authorizationStore.getProcessed(txnId))?.flags).toEqual(['voided_before_seen']);
    expect(await recheck.run()).toEqual({ checked: 0, released: 0 });
  });
});
