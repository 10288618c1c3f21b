import type { CardMessageKind } from './card-message';

/**
 * What we did with one processor message, keyed by its TXn_ID (CARD-PROCESSOR.md §6.1). A replay
 * is answered from this record; the reconciliation matrix moves `decision` when the processor
 * later tells us it decided otherwise.
 */
export type RecordedDecision =
  /** Approved by us or applied as the processor instructed; holds in `holdTransferIds` are ours. */
  | 'approved'
  | 'declined'
  /** A notification acknowledged (its effect, if any, applied). */
  | 'acknowledged'
  /** The gateway answered 91/96 for it: nothing may stay held. */
  | 'voided';

export interface ProcessedMessage {
  readonly txnId: string;
  readonly kind: CardMessageKind;
  readonly token: string;
  /** Empty when the token was unknown. */
  readonly accountId: string;
  readonly lifecycleId: string;
  readonly payloadHash: string;
  readonly responseCode: string;
  readonly acknowledged: boolean;
  readonly decision: RecordedDecision;
  readonly declineReason: string;
  /** The amount this message added to its lifecycle's holds (0n for none). */
  readonly heldMinor: bigint;
  /** Txn_Stat_Code of the latest processor copy applied through the reconciliation matrix. */
  readonly processorStatCode: string;
  /** For 0101 matching: the RRN and DE07 of the original request. */
  readonly retrievalReferenceNumber: string;
  readonly transmissionTimeDe07: string;
  readonly flags: readonly string[];
  readonly createdAtMs: number;
  readonly decisionId: string;
}
