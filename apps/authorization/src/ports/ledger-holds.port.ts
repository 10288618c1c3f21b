import type { LedgerOperation } from '../domain/lifecycle';

/** The ledger accounts behind one customer account. */
export interface CustomerLedgerAccounts {
  /** Debits must not exceed credits: the customer's own money. */
  readonly accountId: string;
  /** Draws from here cover forced effects the customer cannot (stand-in holds, force posts). */
  readonly overdraftAccountId: string;
  readonly currencyCode: string;
  /** A test account (fake-card suite, prober): its ledger accounts are kept apart from real ones. */
  readonly testAccount?: boolean;
}

export interface CustomerBalance {
  readonly currencyCode: string;
  /** Posted, less any overdraft drawn; may be negative. */
  readonly ledgerBalanceMinor: bigint;
  /** Ledger balance less pending holds. */
  readonly availableBalanceMinor: bigint;
}

export type ApplyOutcome =
  | { readonly kind: 'applied' }
  /** The chain was applied earlier (a replay found its transfers): nothing changed now. */
  | { readonly kind: 'already_applied' }
  /** Only when not forced: the customer cannot cover the chain; nothing changed. */
  | { readonly kind: 'insufficient_funds' };

/**
 * The ledger as authorization uses it (CARD-PROCESSOR.md §5). Every operation carries a transfer
 * id derived from the processor message, so replays change nothing.
 *
 * Errors: PlatformError `unavailable.*` / `timeout.*` (retryable) when the ledger cannot be
 * reached in time; `internal.ledger_refused` for a refusal that is not about funds.
 */
export interface LedgerHolds {
  openCustomerAccounts(accounts: CustomerLedgerAccounts): Promise<void>;
  /**
   * Applies the operations as one all-or-nothing chain. `forced`: effects the processor tells us
   * happened (advices, presentments): when the customer cannot cover them, the shortfall is drawn
   * from the overdraft account in the same chain, so the customer's balance goes negative.
   */
  apply(
    accounts: CustomerLedgerAccounts,
    operations: readonly LedgerOperation[],
    options: { readonly forced: boolean; readonly chainId: string },
  ): Promise<ApplyOutcome>;
  /** Moves money from the bank's funding account in; repays any overdraft drawn first. */
  fund(accounts: CustomerLedgerAccounts, transferId: string, amountMinor: bigint): Promise<void>;
  balance(accounts: CustomerLedgerAccounts): Promise<CustomerBalance>;
  /**
   * Voids the pending transfer `holdTransferId` if the ledger has it and it is still pending,
   * whatever account it is on: used when we do not know whether a timed-out call placed it.
   * Returns whether a hold was released.
   */
  voidHoldIfPending(holdTransferId: string, chainId: string): Promise<boolean>;
}

export const LEDGER_HOLDS = Symbol('LEDGER_HOLDS');
