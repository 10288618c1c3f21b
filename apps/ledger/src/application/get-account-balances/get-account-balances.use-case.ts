import { accountBalancesView } from '../../domain/account';
import type { LedgerRepository } from '../../ports/ledger-repository.port';
import { checkLookupIds } from '../lookup-accounts/lookup-accounts.use-case';

export interface AccountBalanceView {
  readonly accountId: string;
  readonly currencyCode: string;
  readonly currencyExponent: number;
  readonly ledgerBalanceMinor: bigint;
  readonly availableBalanceMinor: bigint;
}

export class GetAccountBalancesUseCase {
  constructor(private readonly repository: LedgerRepository) {}

  /**
   * Ledger (posted) and available (posted less holds) balances of the accounts that exist.
   * @throws PlatformError `invalid.ledger_batch_too_large` above 8,190 ids; store errors.
   */
  async execute(accountIds: readonly string[]): Promise<readonly AccountBalanceView[]> {
    const accounts = await this.repository.lookupAccounts(checkLookupIds(accountIds));
    return accounts.map((account) => ({
      accountId: account.id,
      currencyCode: account.currencyCode,
      currencyExponent: account.currencyExponent,
      ...accountBalancesView(account),
    }));
  }
}
