import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Clock } from '@corebank/platform-clock';
import { ConfiguredWorkerLease, SnowflakeGenerator } from '@corebank/platform-ids';
import { SqliteStore, type Store } from '@corebank/platform-storage';

import { LEDGER_MIGRATIONS } from '../adapters/ledger-tables';
import { StoreLedgerRepository } from '../adapters/store-ledger-repository';
import type { AccountInput } from '../domain/account';
import { NO_FLAGS, type TransferInput } from '../domain/transfer';
import { createLedgerApplication, type LedgerApplication } from '../application/ledger-application';

/**
 * Test and bench wiring of the ledger on a real SqliteStore in a temp dir. Only specs and the
 * bench import it (it is not reachable from main.ts).
 */

/** The system clock moved by a settable offset, so tests can pass timeouts and leases. */
export class OffsetClock implements Clock {
  offsetMs = 0;

  nowMs(): number {
    return Date.now() + this.offsetMs;
  }

  now(): Date {
    return new Date(this.nowMs());
  }
}

export interface LedgerInstance {
  readonly app: LedgerApplication;
  readonly store: Store;
  close(): Promise<void>;
}

export interface LedgerInstanceOptions {
  readonly path: string;
  readonly workerId: number;
  readonly clock: Clock;
  readonly commitLeaseMs?: number;
  readonly windowMs?: number;
  /** Wraps the opened store, e.g. to inject a crash. */
  readonly wrapStore?: (store: Store) => Store;
  readonly synchronous?: 'full' | 'normal';
}

export async function openLedgerInstance(options: LedgerInstanceOptions): Promise<LedgerInstance> {
  const sqlite = await SqliteStore.open({
    path: options.path,
    synchronous: options.synchronous ?? 'normal',
    expiredRowPurgeIntervalMs: 0,
  });
  await sqlite.migrate(LEDGER_MIGRATIONS);
  const store = options.wrapStore ? options.wrapStore(sqlite) : sqlite;
  const repository = new StoreLedgerRepository({
    store,
    clock: options.clock,
    commitLeaseMs: options.commitLeaseMs ?? 2000,
    batchStatementsMax: 5000,
    getManyKeysMax: 1000,
    commitStatusCacheMax: 100_000,
  });
  const ids = new SnowflakeGenerator({
    clock: options.clock,
    workerLease: new ConfiguredWorkerLease(options.workerId),
  });
  const app = createLedgerApplication({
    repository,
    ids,
    clock: options.clock,
    groupCommit: {
      windowMs: options.windowMs ?? 1,
      groupItemsMax: 8190,
      queueItemsMax: 1_000_000,
      attemptsMax: 500,
      backoffMaxMs: 10,
    },
  });
  return {
    app,
    store,
    close: async () => {
      await app.close();
      await sqlite.close();
    },
  };
}

export function makeTempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function accountInput(id: string, options: Partial<AccountInput> = {}): AccountInput {
  return {
    id,
    currencyCode: 'GBP',
    currencyExponent: 2,
    code: 'customer',
    flags: { debitsMustNotExceedCredits: false, creditsMustNotExceedDebits: false },
    userData: '',
    ...options,
  };
}

export function transferInput(fields: Partial<TransferInput> & { id: string }): TransferInput {
  return {
    debitAccountId: '',
    creditAccountId: '',
    amountMinor: 0n,
    currencyCode: 'GBP',
    pendingId: '',
    timeoutSeconds: 0,
    userData: '',
    flags: NO_FLAGS,
    ...fields,
  };
}

/** Totals over the given accounts: double entry means debits equal credits, pending and posted. */
export async function ledgerTotals(
  app: LedgerApplication,
  accountIds: readonly string[],
): Promise<{
  debitsPending: bigint;
  creditsPending: bigint;
  debitsPosted: bigint;
  creditsPosted: bigint;
}> {
  const accounts = await app.lookupAccounts.execute(accountIds);
  return accounts.reduce(
    (sum, account) => ({
      debitsPending: sum.debitsPending + account.debitsPendingMinor,
      creditsPending: sum.creditsPending + account.creditsPendingMinor,
      debitsPosted: sum.debitsPosted + account.debitsPostedMinor,
      creditsPosted: sum.creditsPosted + account.creditsPostedMinor,
    }),
    { debitsPending: 0n, creditsPending: 0n, debitsPosted: 0n, creditsPosted: 0n },
  );
}
