import type { EnrichedMerchant } from '@corebank/domain-transaction-events';

/** The outcome of `createOnce`: the merchant now stored under the key, ours or an earlier one. */
export interface StoredMerchant {
  readonly merchant: EnrichedMerchant;
  /** False when another delivery (or process) had created it first. */
  readonly created: boolean;
}

/**
 * Merchants by their natural key (see merchantKeyOf), created once each.
 *
 * Errors: PlatformError `unavailable.store` / `timeout.store` (retryable; a timed-out create may
 * have applied, and retrying `createOnce` is safe because it never overwrites).
 */
export interface MerchantStore {
  find(merchantKey: string): Promise<EnrichedMerchant | undefined>;
  /**
   * Stores `candidate` under the key unless a merchant is already there (a conditional insert),
   * and returns whichever merchant the key holds afterwards.
   */
  createOnce(merchantKey: string, candidate: EnrichedMerchant): Promise<StoredMerchant>;
}

export const MERCHANT_STORE = Symbol('MERCHANT_STORE');
