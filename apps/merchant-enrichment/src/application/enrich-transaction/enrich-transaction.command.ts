import type {
  AuthorizationTransactionData,
  AuthorizationTransactionEventType,
} from '@corebank/domain-transaction-events';

/** One parsed event from authorization.transactions.v1, with the envelope fields that carry on. */
export interface EnrichTransactionCommand {
  /** The source event id; the output ids derive from it (enrichedTransactionEventId). */
  readonly sourceEventId: string;
  readonly type: AuthorizationTransactionEventType;
  readonly occurredAt: string;
  /** Partition key: the account id. */
  readonly key: string;
  readonly traceparent?: string;
  readonly transaction: AuthorizationTransactionData;
}

export interface EnrichmentSettings {
  readonly logoBaseUrl: string;
  /** How long the feed may wait for a merchant before the transaction goes out unenriched. */
  readonly deadlineMs: number;
  /** Tries to resolve the merchant within one delivery. */
  readonly attemptsMax: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
}

export const ENRICHMENT_SETTINGS = Symbol('ENRICHMENT_SETTINGS');

/**
 * `enriched`: published once, with its merchant. `enriched_late`: published unenriched first
 * (`reason`), then the enriched update. `no_merchant`: the message names no merchant.
 */
export type EnrichTransactionOutcome =
  | { readonly kind: 'enriched'; readonly merchantCreated: boolean }
  | { readonly kind: 'enriched_late'; readonly reason: 'deadline_exceeded' | 'failed' }
  | { readonly kind: 'no_merchant' };
