/**
 * A payment's lifecycle (CARD-PROCESSOR.md §6.2): every message sharing a token and a lifecycle
 * key. It remembers which ledger holds are live so reversals, advices and presentments can
 * release exactly what is held, and never more (§5: hold arithmetic never goes below zero).
 */
export interface Hold {
  /** The ledger's pending transfer. */
  readonly transferId: string;
  readonly amountMinor: bigint;
}

export interface Lifecycle {
  readonly id: string;
  readonly token: string;
  readonly accountId: string;
  readonly currencyCode: string;
  readonly holds: readonly Hold[];
  /** Txn_Amt of the first authorization: a reversal with this Txn_Amt releases everything. */
  readonly originalTxnAmountMinor: bigint;
  readonly originalTxnCurrency: string;
  /** Debits posted by presentments or single-message financial requests. */
  readonly postedDebitMinor: bigint;
  /** Credits posted (refund presentments, clearing reversals, financial reversals). */
  readonly postedCreditMinor: bigint;
  /** Refund authorizations approved and waiting for their presentment. */
  readonly pendingRefundMinor: bigint;
}

/** A ledger movement on the customer's account, in the customer's terms. */
export type LedgerOperation =
  | { readonly kind: 'place_hold'; readonly transferId: string; readonly amountMinor: bigint }
  | { readonly kind: 'void_hold'; readonly holdTransferId: string; readonly amountMinor: bigint }
  | { readonly kind: 'debit'; readonly transferId: string; readonly amountMinor: bigint }
  | { readonly kind: 'credit'; readonly transferId: string; readonly amountMinor: bigint };

export function totalHeldMinor(holds: readonly Hold[]): bigint {
  return holds.reduce((total, hold) => total + hold.amountMinor, 0n);
}

export interface HoldChange {
  readonly operations: readonly LedgerOperation[];
  readonly holds: readonly Hold[];
  /** What was actually released (≤ what was asked, never more than held). */
  readonly releasedMinor: bigint;
}

/**
 * Releases `releaseMinor` from the lifecycle's holds. The ledger voids a pending transfer whole,
 * so a partial release voids every live hold and places one new hold for the remainder, all in
 * one linked chain; `remainderTransferId` must be derived from the message causing the change so
 * a replay targets the same transfer.
 */
export function releaseFromHolds(
  holds: readonly Hold[],
  releaseMinor: bigint,
  remainderTransferId: string,
): HoldChange {
  const heldMinor = totalHeldMinor(holds);
  const releasedMinor = releaseMinor < heldMinor ? releaseMinor : heldMinor;
  if (releasedMinor <= 0n) {
    return { operations: [], holds, releasedMinor: 0n };
  }
  const operations: LedgerOperation[] = holds.map((hold) => ({
    kind: 'void_hold',
    holdTransferId: hold.transferId,
    amountMinor: hold.amountMinor,
  }));
  const remainderMinor = heldMinor - releasedMinor;
  if (remainderMinor === 0n) {
    return { operations, holds: [], releasedMinor };
  }
  operations.push({
    kind: 'place_hold',
    transferId: remainderTransferId,
    amountMinor: remainderMinor,
  });
  return {
    operations,
    holds: [{ transferId: remainderTransferId, amountMinor: remainderMinor }],
    releasedMinor,
  };
}

/** Replaces every live hold with one of `amountMinor` (an approved advice, §5). */
export function replaceHolds(
  holds: readonly Hold[],
  amountMinor: bigint,
  replacementTransferId: string,
): HoldChange {
  const operations: LedgerOperation[] = holds.map((hold) => ({
    kind: 'void_hold',
    holdTransferId: hold.transferId,
    amountMinor: hold.amountMinor,
  }));
  const heldMinor = totalHeldMinor(holds);
  if (amountMinor <= 0n) {
    return { operations, holds: [], releasedMinor: heldMinor };
  }
  operations.push({ kind: 'place_hold', transferId: replacementTransferId, amountMinor });
  return {
    operations,
    holds: [{ transferId: replacementTransferId, amountMinor }],
    releasedMinor: heldMinor > amountMinor ? heldMinor - amountMinor : 0n,
  };
}

/** Net effect of operations on what the customer can spend (negative = less available). */
export function availableChangeMinor(operations: readonly LedgerOperation[]): bigint {
  return operations.reduce((total, operation) => {
    switch (operation.kind) {
      case 'place_hold':
      case 'debit':
        return total - operation.amountMinor;
      case 'void_hold':
      case 'credit':
        return total + operation.amountMinor;
    }
  }, 0n);
}
