import type { Money } from '@corebank/domain-money';

import type { CardMessage } from '../application/process-card-message/card-message.command';

/** What authorization answered for one message (CARD-PROCESSOR.md §3, §4). */
export interface CardMessageDecision {
  /** Two characters: "00", "51", "62", "30", ... */
  readonly responseCode: string;
  /** true = processed (processor must not resend); false = resend. */
  readonly acknowledged: boolean;
  /** Undefined when authorization does not know the balances (e.g. unknown token). */
  readonly ledgerBalance: Money | undefined;
  readonly availableBalance: Money | undefined;
  readonly billAmountApproved: Money | undefined;
  readonly decisionId: string;
}

/**
 * The gateway's view of the authorization service (proto corebank.authorization.v1).
 */
export interface Authorization {
  /**
   * Sends one typed processor message; idempotent on `message.txnId`.
   *
   * @throws PlatformError `timeout.deadline_exceeded` when `timeoutMs` passed;
   *   `unavailable.*` (rpc_unreachable, circuit_open, call_cancelled) when it could not be asked;
   *   `internal.*` for anything else. The gateway treats every error as "outcome unknown".
   */
  processCardMessage(message: CardMessage, timeoutMs: number): Promise<CardMessageDecision>;

  /**
   * Tells authorization the processor was answered with a decline (`answeredResponseCode` 91/96)
   * for `txnId`, so a late commit must not keep money held. Idempotent; retried by the adapter
   * within its configured bounds.
   *
   * @throws PlatformError as processCardMessage, once the retries are spent.
   */
  voidUnconfirmedDecision(
    txnId: string,
    answeredResponseCode: string,
    reason: string,
  ): Promise<void>;
}

export const AUTHORIZATION = Symbol('AUTHORIZATION');
