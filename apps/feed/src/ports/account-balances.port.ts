/** An account's balances as the ledger keeps them, in signed minor units. */
export interface LedgerBalance {
  readonly currency: string;
  /** Posted balance less pending holds: what the customer can spend. */
  readonly availableMinor: bigint;
  /** Posted balance. */
  readonly totalMinor: bigint;
}

export type BalanceLookup =
  { readonly kind: 'found'; readonly balance: LedgerBalance } | { readonly kind: 'not_found' };

/**
 * Balances from the ledger (over gRPC). Errors: the RPC client's PlatformErrors
 * (`timeout.deadline_exceeded`, `unavailable.*` retryable).
 */
export interface AccountBalances {
  balanceOf(accountId: string): Promise<BalanceLookup>;
  close(): void;
}

export const ACCOUNT_BALANCES = Symbol('ACCOUNT_BALANCES');
