import type { TransferInput } from '../../domain/transfer';

export interface CreateTransfersCommand {
  /** Each transfer's id is its own idempotency key. */
  readonly transfers: readonly TransferInput[];
}
