import { PlatformError } from '@corebank/platform-errors';

import type { Account } from '../../domain/account';
import { isValidId } from '../../domain/ledger-numbers';
import type { LedgerRepository } from '../../ports/ledger-repository.port';

export const LOOKUP_IDS_MAX = 8190;

export function checkLookupIds(ids: readonly string[]): readonly string[] {
  if (ids.length > LOOKUP_IDS_MAX) {
    throw new PlatformError('invalid.ledger_batch_too_large', 'too many ids in one lookup', {
      retryable: false,
      params: { ids: ids.length, idsMax: LOOKUP_IDS_MAX },
    });
  }
  // An id that cannot exist is simply not found, like an unknown one.
  return [...new Set(ids.filter(isValidId))];
}

export class LookupAccountsUseCase {
  constructor(private readonly repository: LedgerRepository) {}

  /**
   * Committed state of the accounts that exist, in request order (duplicates once).
   * @throws PlatformError `invalid.ledger_batch_too_large` above 8,190 ids; store errors.
   */
  execute(ids: readonly string[]): Promise<readonly Account[]> {
    return this.repository.lookupAccounts(checkLookupIds(ids));
  }
}
