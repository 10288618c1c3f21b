import type { CardMessage } from '../../domain/card-message';
import type { CustomerBalance } from '../../ports/ledger-holds.port';

/** How much time the caller's deadline leaves; the application never sees gRPC types. */
export interface Deadline {
  remainingMs(): number;
}

export const NO_DEADLINE: Deadline = { remainingMs: () => Number.POSITIVE_INFINITY };

export interface ProcessCardMessageCommand {
  readonly message: CardMessage;
  readonly traceparent?: string;
  readonly deadline: Deadline;
}

export interface CardMessageResult {
  /** Two characters, CARD-PROCESSOR.md §4. */
  readonly responseCode: string;
  readonly acknowledged: boolean;
  /** Absent when the card (and so the account) is unknown. */
  readonly balance?: CustomerBalance;
  readonly decisionId: string;
}
