/** Transfer kinds, as TigerBeetle's flags. At most one of pending / post / void is set. */
export interface TransferFlags {
  /** Linked to the next transfer of the same request: the chain applies all-or-nothing. */
  readonly linked: boolean;
  /** Reserve the amount (a hold): moves into debits/credits pending. */
  readonly pending: boolean;
  /** Post the pending transfer `pendingId`, for its amount or less (or more, see below). */
  readonly postPendingTransfer: boolean;
  /** Release the pending transfer `pendingId`. */
  readonly voidPendingTransfer: boolean;
  /** With postPendingTransfer: the post may exceed the pending amount (limits checked on the excess). */
  readonly postAbovePendingAmountAllowed: boolean;
}

/** A transfer as the client submitted it, after wire decoding. Empty strings mean "not given". */
export interface TransferInput {
  /** Client-chosen; the idempotency key. */
  readonly id: string;
  readonly debitAccountId: string;
  readonly creditAccountId: string;
  /** `undefined` when the wire value was not a decimal number. May exceed uint64 (rejected here). */
  readonly amountMinor: bigint | undefined;
  readonly currencyCode: string;
  readonly pendingId: string;
  readonly timeoutSeconds: number;
  readonly userData: string;
  readonly flags: TransferFlags;
}

/** A stored transfer: immutable once written. Post/void transfers hold the resolved fields. */
export interface Transfer {
  readonly id: string;
  readonly debitAccountId: string;
  readonly creditAccountId: string;
  readonly amountMinor: bigint;
  readonly currencyCode: string;
  readonly pendingId: string;
  readonly timeoutSeconds: number;
  readonly userData: string;
  readonly flags: TransferFlags;
  readonly createdAtMs: number;
}

/** How a pending transfer ended. A pending transfer has at most one resolution, ever. */
export type PendingResolutionKind = 'posted' | 'voided' | 'expired';

export interface PendingResolution {
  readonly pendingId: string;
  readonly kind: PendingResolutionKind;
  /** The post/void transfer that resolved it; empty for an expiry. */
  readonly resolvingTransferId: string;
  readonly resolvedAtMs: number;
}

export function pendingExpiresAtMs(transfer: Transfer): number | undefined {
  if (!transfer.flags.pending || transfer.timeoutSeconds === 0) {
    return undefined;
  }
  return transfer.createdAtMs + transfer.timeoutSeconds * 1000;
}

export const NO_FLAGS: TransferFlags = {
  linked: false,
  pending: false,
  postPendingTransfer: false,
  voidPendingTransfer: false,
  postAbovePendingAmountAllowed: false,
};
