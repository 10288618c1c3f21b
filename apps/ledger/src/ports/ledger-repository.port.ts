import type { Account } from '../domain/account';
import type { LedgerChanges } from '../domain/apply-ledger-requests';
import type { PendingResolution, PendingResolutionKind, Transfer } from '../domain/transfer';

/** Read for a write: either every requested state, or the id of something another writer holds. */
export type LoadForWrite<T> =
  | { readonly kind: 'loaded'; readonly values: ReadonlyMap<string, T> }
  | { readonly kind: 'held'; readonly heldBy: string };

export type CommitOutcome = 'committed' | 'conflict';

export type PendingStatusView = 'none' | 'pending' | PendingResolutionKind;

export interface TransferView {
  readonly transfer: Transfer;
  readonly pendingStatus: PendingStatusView;
}

export interface ExpiryEntry {
  readonly pendingId: string;
  readonly expiresAtMs: number;
}

/**
 * The ledger's persistence. Every read sees committed data only. Errors: store failures surface
 * as the store's PlatformErrors (`unavailable.store`, `timeout.store`, retryable).
 */
export interface LedgerRepository {
  /**
   * Inserts each account unless its id is taken (conditional insert per account).
   * @returns per account, `undefined` when inserted, else the account already stored.
   */
  insertAccounts(accounts: readonly Account[]): Promise<readonly (Account | undefined)[]>;

  /** Committed transfers among `ids`; `held` while one of them belongs to an undecided commit. */
  loadTransfersForWrite(ids: Iterable<string>): Promise<LoadForWrite<Transfer>>;

  /** Committed accounts among `ids`; `held` while one is held by another writer's commit. */
  loadAccountsForWrite(ids: Iterable<string>): Promise<LoadForWrite<Account>>;

  loadResolutions(pendingIds: Iterable<string>): Promise<ReadonlyMap<string, PendingResolution>>;

  /**
   * Persists `changes` computed from `before` as commit `commitId`, all-or-nothing.
   * @returns `conflict` when an account moved since `before` was read (nothing became visible).
   */
  commit(
    commitId: string,
    before: ReadonlyMap<string, Account>,
    changes: LedgerChanges,
  ): Promise<CommitOutcome>;

  /**
   * Aborts `commitId` unless it was decided already, so accounts it holds are released at once
   * rather than after the lease. Used when a commit failed half-way with an error.
   * @returns the decision that stands.
   */
  abandon(commitId: string): Promise<'committed' | 'aborted'>;

  lookupAccounts(ids: readonly string[]): Promise<readonly Account[]>;
  lookupTransfers(ids: readonly string[]): Promise<readonly TransferView[]>;
  /** Transfers of one account with ids above `afterTransferId`, ascending, at most `limit`. */
  accountTransfers(
    accountId: string,
    afterTransferId: string,
    limit: number,
  ): Promise<{ readonly transfers: readonly TransferView[]; readonly nextAfterTransferId: string }>;

  /** Pending transfers whose timeout passed by `nowMs`, oldest first, at most `limit`. */
  dueExpiries(nowMs: number, limit: number): Promise<readonly ExpiryEntry[]>;
  /** Drops expiry entries whose pending transfers are resolved. Idempotent. */
  forgetExpiries(entries: readonly ExpiryEntry[]): Promise<void>;
}

export const LEDGER_REPOSITORY = Symbol('LEDGER_REPOSITORY');
