import type { Clock } from '@corebank/platform-clock';
import { PlatformError } from '@corebank/platform-errors';

import {
  type Account,
  compareWithExistingAccount,
  type CreateAccountResult,
  newAccount,
  validateAccountInput,
} from '../../domain/account';
import type { LedgerRepository } from '../../ports/ledger-repository.port';
import type { CreateAccountsCommand } from './create-accounts.command';

export const CREATE_ACCOUNTS_BATCH_MAX = 8190;

export class CreateAccountsUseCase {
  constructor(
    private readonly repository: LedgerRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * One result per account: ok, exists, exists_with_different_fields or a validation result.
   * @throws PlatformError `invalid.ledger_batch_too_large` above 8,190 accounts; store errors.
   */
  async execute(command: CreateAccountsCommand): Promise<readonly CreateAccountResult[]> {
    if (command.accounts.length > CREATE_ACCOUNTS_BATCH_MAX) {
      throw new PlatformError(
        'invalid.ledger_batch_too_large',
        'too many accounts in one request',
        {
          retryable: false,
          params: { accounts: command.accounts.length, accountsMax: CREATE_ACCOUNTS_BATCH_MAX },
        },
      );
    }
    const results: CreateAccountResult[] = command.accounts.map(
      (input) => validateAccountInput(input) ?? 'ok',
    );
    const nowMs = this.clock.nowMs();
    const toInsert: Account[] = [];
    const insertIndexes: number[] = [];
    const seen = new Map<string, number>();
    command.accounts.forEach((input, index) => {
      if (results[index] !== 'ok') {
        return;
      }
      const earlier = seen.get(input.id);
      if (earlier !== undefined) {
        // A repeat inside one request is a replay of the earlier item.
        results[index] = compareWithExistingAccount(input, toInsert[earlier]);
        return;
      }
      seen.set(input.id, toInsert.length);
      toInsert.push(newAccount(input, nowMs));
      insertIndexes.push(index);
    });
    const existing = await this.repository.insertAccounts(toInsert);
    existing.forEach((stored, position) => {
      if (stored) {
        const index = insertIndexes[position];
        results[index] = compareWithExistingAccount(command.accounts[index], stored);
      }
    });
    return results;
  }
}
