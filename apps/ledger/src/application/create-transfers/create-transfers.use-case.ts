import { PlatformError } from '@corebank/platform-errors';

import type { CreateTransferResult } from '../../domain/transfer-result';
import type { LedgerGroupCommitter } from '../commit-ledger-requests/ledger-group-committer';
import type { CreateTransfersCommand } from './create-transfers.command';

export const CREATE_TRANSFERS_BATCH_MAX = 8190;

export class CreateTransfersUseCase {
  constructor(private readonly committer: LedgerGroupCommitter) {}

  /**
   * Applies the transfers in order; one result per transfer (business outcomes, never thrown).
   * @throws PlatformError `invalid.ledger_batch_too_large` above 8,190 transfers, and the
   *   committer's retryable errors (`exhausted.ledger_queue_full`, `conflict.ledger_contention`,
   *   `timeout.ledger_deadline_passed`).
   */
  async execute(command: CreateTransfersCommand): Promise<readonly CreateTransferResult[]> {
    if (command.transfers.length > CREATE_TRANSFERS_BATCH_MAX) {
      throw new PlatformError(
        'invalid.ledger_batch_too_large',
        'too many transfers in one request',
        {
          retryable: false,
          params: { transfers: command.transfers.length, transfersMax: CREATE_TRANSFERS_BATCH_MAX },
        },
      );
    }
    if (command.transfers.length === 0) {
      return [];
    }
    const outcome = await this.committer.submit(
      { kind: 'create_transfers', transfers: command.transfers },
      command.deadlineMs,
    );
    if (outcome.kind !== 'create_transfers') {
      throw new Error('the committer answered a transfer request with another kind');
    }
    return outcome.results;
  }
}
