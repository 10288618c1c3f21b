import { PlatformError } from '@corebank/platform-errors';

import { isValidId } from '../../domain/ledger-numbers';
import type { LedgerRepository, TransferView } from '../../ports/ledger-repository.port';

export const ACCOUNT_TRANSFERS_PAGE_MAX = 1000;

export interface GetAccountTransfersQuery {
  readonly accountId: string;
  /** Empty for the first page. */
  readonly afterTransferId: string;
  readonly limit: number;
}

export class GetAccountTransfersUseCase {
  constructor(private readonly repository: LedgerRepository) {}

  /**
   * One page of the account's transfers by ascending id. `nextAfterTransferId` is empty at the end.
   * @throws PlatformError `invalid.ledger_page_request` for a malformed id or a limit outside 1..1000.
   */
  execute(query: GetAccountTransfersQuery): Promise<{
    readonly transfers: readonly TransferView[];
    readonly nextAfterTransferId: string;
  }> {
    const validAfter = query.afterTransferId === '' || isValidId(query.afterTransferId);
    if (
      !isValidId(query.accountId) ||
      !validAfter ||
      !Number.isInteger(query.limit) ||
      query.limit < 1 ||
      query.limit > ACCOUNT_TRANSFERS_PAGE_MAX
    ) {
      return Promise.reject(
        new PlatformError('invalid.ledger_page_request', 'account id, cursor or limit is invalid', {
          retryable: false,
          params: { limitMax: ACCOUNT_TRANSFERS_PAGE_MAX },
        }),
      );
    }
    return this.repository.accountTransfers(query.accountId, query.afterTransferId, query.limit);
  }
}
