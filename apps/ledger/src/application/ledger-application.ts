import type { Clock } from '@corebank/platform-clock';
import type { IdGenerator } from '@corebank/platform-ids';

import type { LedgerRepository } from '../ports/ledger-repository.port';
import {
  type GroupCommitOptions,
  LedgerGroupCommitter,
} from './commit-ledger-requests/ledger-group-committer';
import { CreateAccountsUseCase } from './create-accounts/create-accounts.use-case';
import { CreateTransfersUseCase } from './create-transfers/create-transfers.use-case';
import { ExpirePendingTransfersUseCase } from './expire-pending-transfers/expire-pending-transfers.use-case';
import { GetAccountBalancesUseCase } from './get-account-balances/get-account-balances.use-case';
import { GetAccountTransfersUseCase } from './get-account-transfers/get-account-transfers.use-case';
import { LookupAccountsUseCase } from './lookup-accounts/lookup-accounts.use-case';
import { LookupTransfersUseCase } from './lookup-transfers/lookup-transfers.use-case';

/** Every use case of the ledger, wired to one repository and one group committer. */
export interface LedgerApplication {
  readonly createAccounts: CreateAccountsUseCase;
  readonly createTransfers: CreateTransfersUseCase;
  readonly lookupAccounts: LookupAccountsUseCase;
  readonly lookupTransfers: LookupTransfersUseCase;
  readonly getAccountTransfers: GetAccountTransfersUseCase;
  readonly getAccountBalances: GetAccountBalancesUseCase;
  readonly expirePendingTransfers: ExpirePendingTransfersUseCase;
  /** Refuses new writes and waits for queued ones. */
  close(): Promise<void>;
}

export const LEDGER_APPLICATION = Symbol('LEDGER_APPLICATION');

export function createLedgerApplication(dependencies: {
  readonly repository: LedgerRepository;
  readonly ids: IdGenerator;
  readonly clock: Clock;
  readonly groupCommit: GroupCommitOptions;
}): LedgerApplication {
  const { repository, ids, clock } = dependencies;
  const committer = new LedgerGroupCommitter(repository, ids, clock, dependencies.groupCommit);
  return {
    createAccounts: new CreateAccountsUseCase(repository, clock),
    createTransfers: new CreateTransfersUseCase(committer),
    lookupAccounts: new LookupAccountsUseCase(repository),
    lookupTransfers: new LookupTransfersUseCase(repository),
    getAccountTransfers: new GetAccountTransfersUseCase(repository),
    getAccountBalances: new GetAccountBalancesUseCase(repository),
    expirePendingTransfers: new ExpirePendingTransfersUseCase(repository, committer, clock),
    close: () => committer.close(),
  };
}
