import type { TransferInput } from '../../domain/transfer';

export interface CreateTransfersCommand {
  /** Each transfer's id is its own idempotency key. */
  readonly transfers: readonly TransferInput[];
  /** Epoch ms after which the caller stops waiting: a request not yet committed by then is dropped. */
  readonly deadlineMs?: number;
}
