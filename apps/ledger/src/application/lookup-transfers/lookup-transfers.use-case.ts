import type { LedgerRepository, TransferView } from '../../ports/ledger-repository.port';
import { checkLookupIds } from '../lookup-accounts/lookup-accounts.use-case';

export class LookupTransfersUseCase {
  constructor(private readonly repository: LedgerRepository) {}

  /**
   * Committed transfers that exist, in request order, with the status of pending ones.
   * @throws PlatformError `invalid.ledger_batch_too_large` above 8,190 ids; store errors.
   */
  execute(ids: readonly string[]): Promise<readonly TransferView[]> {
    return this.repository.lookupTransfers(checkLookupIds(ids));
  }
}
