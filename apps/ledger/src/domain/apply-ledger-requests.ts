import { Account, balancesInRange, USER_DATA_LENGTH_MAX } from './account';
import { assertInvariant } from './ledger-invariant';
import { BALANCE_MAX, isValidId, TIMEOUT_SECONDS_MAX, UINT64_MAX } from './ledger-numbers';
import {
  PendingResolution,
  pendingExpiresAtMs,
  Transfer,
  TransferFlags,
  TransferInput,
} from './transfer';
import { CreateTransferResult, ExpirePendingResult } from './transfer-result';

/**
 * The state a batch is applied to: every account, transfer and resolution the batch can touch
 * (see `referencedTransferIds` / `referencedAccountIds`). Anything absent is taken to not exist.
 */
export interface LedgerSnapshot {
  readonly accounts: ReadonlyMap<string, Account>;
  readonly transfers: ReadonlyMap<string, Transfer>;
  readonly resolutions: ReadonlyMap<string, PendingResolution>;
}

/** One client request (its linked chains end inside it) or one sweeper request. */
export type LedgerRequest =
  | { readonly kind: 'create_transfers'; readonly transfers: readonly TransferInput[] }
  | { readonly kind: 'expire_pending'; readonly pendingIds: readonly string[] };

export type LedgerRequestOutcome =
  | { readonly kind: 'create_transfers'; readonly results: readonly CreateTransferResult[] }
  | { readonly kind: 'expire_pending'; readonly results: readonly ExpirePendingResult[] };

/** What a batch changes. Each changed account carries `version` = snapshot version + 1. */
export interface LedgerChanges {
  readonly accounts: readonly Account[];
  readonly transfers: readonly Transfer[];
  readonly resolutions: readonly PendingResolution[];
}

export interface LedgerBatchResult {
  readonly outcomes: readonly LedgerRequestOutcome[];
  readonly changes: LedgerChanges;
}

/** Transfer ids whose stored records the batch needs: its own ids and the pending ids it names. */
export function referencedTransferIds(requests: readonly LedgerRequest[]): Set<string> {
  const ids = new Set<string>();
  for (const request of requests) {
    if (request.kind === 'create_transfers') {
      for (const transfer of request.transfers) {
        addIfValid(ids, transfer.id);
        addIfValid(ids, transfer.pendingId);
      }
    } else {
      request.pendingIds.forEach((id) => addIfValid(ids, id));
    }
  }
  return ids;
}

/** Accounts the batch can touch, given the stored transfers it references (for post/void). */
export function referencedAccountIds(
  requests: readonly LedgerRequest[],
  storedTransfers: ReadonlyMap<string, Transfer>,
): Set<string> {
  const ids = new Set<string>();
  const addPendingAccounts = (pendingId: string): void => {
    const pending = storedTransfers.get(pendingId);
    if (pending) {
      ids.add(pending.debitAccountId);
      ids.add(pending.creditAccountId);
    }
  };
  for (const request of requests) {
    if (request.kind === 'create_transfers') {
      for (const transfer of request.transfers) {
        addIfValid(ids, transfer.debitAccountId);
        addIfValid(ids, transfer.creditAccountId);
        addPendingAccounts(transfer.pendingId);
      }
    } else {
      request.pendingIds.forEach(addPendingAccounts);
    }
  }
  return ids;
}

function addIfValid(ids: Set<string>, id: string): void {
  if (isValidId(id)) {
    ids.add(id);
  }
}

type JournalEntry =
  | { readonly table: 'accounts'; readonly key: string; readonly previous: Account | undefined }
  | { readonly table: 'transfers'; readonly key: string; readonly previous: Transfer | undefined }
  | {
      readonly table: 'resolutions';
      readonly key: string;
      readonly previous: PendingResolution | undefined;
    };

/** Writes over the snapshot, with an undo journal so a failed linked chain leaves no trace. */
class LedgerOverlay {
  private readonly accounts = new Map<string, Account>();
  private readonly transfers = new Map<string, Transfer>();
  private readonly resolutions = new Map<string, PendingResolution>();
  private readonly journal: JournalEntry[] = [];

  constructor(private readonly snapshot: LedgerSnapshot) {}

  account(id: string): Account | undefined {
    return this.accounts.get(id) ?? this.snapshot.accounts.get(id);
  }

  transfer(id: string): Transfer | undefined {
    return this.transfers.get(id) ?? this.snapshot.transfers.get(id);
  }

  resolution(pendingId: string): PendingResolution | undefined {
    return this.resolutions.get(pendingId) ?? this.snapshot.resolutions.get(pendingId);
  }

  putAccount(account: Account): void {
    assertInvariant(balancesInRange(account), `account ${account.id} balance out of range`);
    this.journal.push({
      table: 'accounts',
      key: account.id,
      previous: this.accounts.get(account.id),
    });
    this.accounts.set(account.id, account);
  }

  putTransfer(transfer: Transfer): void {
    this.journal.push({ table: 'transfers', key: transfer.id, previous: undefined });
    this.transfers.set(transfer.id, transfer);
  }

  putResolution(resolution: PendingResolution): void {
    assertInvariant(
      this.resolution(resolution.pendingId) === undefined,
      `pending transfer ${resolution.pendingId} resolved twice`,
    );
    this.journal.push({ table: 'resolutions', key: resolution.pendingId, previous: undefined });
    this.resolutions.set(resolution.pendingId, resolution);
  }

  mark(): number {
    return this.journal.length;
  }

  rollbackTo(mark: number): void {
    while (this.journal.length > mark) {
      const entry = this.journal.pop() as JournalEntry;
      const map: Map<string, unknown> =
        entry.table === 'accounts'
          ? this.accounts
          : entry.table === 'transfers'
            ? this.transfers
            : this.resolutions;
      if (entry.previous === undefined) {
        map.delete(entry.key);
      } else {
        map.set(entry.key, entry.previous);
      }
    }
  }

  changes(): LedgerChanges {
    const accounts = [...this.accounts.values()].map((account) => {
      const before = this.snapshot.accounts.get(account.id);
      assertInvariant(before !== undefined, `changed account ${account.id} not in snapshot`);
      return { ...account, version: before.version + 1n };
    });
    return {
      accounts,
      transfers: [...this.transfers.values()],
      resolutions: [...this.resolutions.values()],
    };
  }
}

/**
 * Applies requests in order to `snapshot` at instant `nowMs`, as if each transfer ran alone and in
 * sequence. Pure and deterministic: the same snapshot, requests and instant give the same result.
 * A failed item changes nothing; a linked chain with a failed item changes nothing.
 */
export function applyLedgerRequests(
  snapshot: LedgerSnapshot,
  requests: readonly LedgerRequest[],
  nowMs: number,
): LedgerBatchResult {
  const overlay = new LedgerOverlay(snapshot);
  const outcomes = requests.map((request): LedgerRequestOutcome => {
    if (request.kind === 'expire_pending') {
      return {
        kind: 'expire_pending',
        results: request.pendingIds.map((id) => expirePending(overlay, id, nowMs)),
      };
    }
    return {
      kind: 'create_transfers',
      results: createTransfers(overlay, request.transfers, nowMs),
    };
  });
  return { outcomes, changes: overlay.changes() };
}

function createTransfers(
  overlay: LedgerOverlay,
  transfers: readonly TransferInput[],
  nowMs: number,
): CreateTransferResult[] {
  const results: CreateTransferResult[] = new Array<CreateTransferResult>(transfers.length);
  let index = 0;
  while (index < transfers.length) {
    if (!transfers[index].flags.linked) {
      results[index] = createTransfer(overlay, transfers[index], nowMs);
      index += 1;
      continue;
    }
    // A chain runs from here to the first item without the linked flag (inclusive).
    let chainEnd = index;
    while (chainEnd < transfers.length - 1 && transfers[chainEnd].flags.linked) {
      chainEnd += 1;
    }
    const chainOpen = transfers[chainEnd].flags.linked;
    const mark = overlay.mark();
    let failedAt = -1;
    let failure: CreateTransferResult = 'linked_event_chain_open';
    for (let item = index; item <= chainEnd; item += 1) {
      const result =
        chainOpen && item === chainEnd
          ? 'linked_event_chain_open'
          : createTransfer(overlay, transfers[item], nowMs);
      results[item] = result;
      // A replayed item (`exists`) does not fail its chain: replaying a whole chain is inert.
      if (result !== 'ok' && result !== 'exists') {
        failedAt = item;
        failure = result;
        break;
      }
    }
    if (failedAt >= 0) {
      for (let item = index; item <= chainEnd; item += 1) {
        results[item] = item === failedAt ? failure : 'linked_event_failed';
      }
      overlay.rollbackTo(mark);
    }
    index = chainEnd + 1;
  }
  return results;
}

function flagsEqual(left: TransferFlags, right: TransferFlags): boolean {
  return (
    left.linked === right.linked &&
    left.pending === right.pending &&
    left.postPendingTransfer === right.postPendingTransfer &&
    left.voidPendingTransfer === right.voidPendingTransfer &&
    left.postAbovePendingAmountAllowed === right.postAbovePendingAmountAllowed
  );
}

/** A replay of `existing`: fields left empty on a post/void match the values it inherited. */
function compareWithExistingTransfer(
  input: TransferInput,
  existing: Transfer,
): 'exists' | 'exists_with_different_fields' {
  const resolves = existing.flags.postPendingTransfer || existing.flags.voidPendingTransfer;
  const sameOrInherited = (given: string, stored: string): boolean =>
    given === stored || (resolves && given === '');
  const sameAmount =
    input.amountMinor === existing.amountMinor || (resolves && input.amountMinor === 0n);
  const same =
    flagsEqual(input.flags, existing.flags) &&
    sameOrInherited(input.debitAccountId, existing.debitAccountId) &&
    sameOrInherited(input.creditAccountId, existing.creditAccountId) &&
    sameOrInherited(input.currencyCode, existing.currencyCode) &&
    sameAmount &&
    input.pendingId === existing.pendingId &&
    input.timeoutSeconds === existing.timeoutSeconds &&
    input.userData === existing.userData;
  return same ? 'exists' : 'exists_with_different_fields';
}

function createTransfer(
  overlay: LedgerOverlay,
  input: TransferInput,
  nowMs: number,
): CreateTransferResult {
  if (!isValidId(input.id)) {
    return 'id_invalid';
  }
  const existing = overlay.transfer(input.id);
  if (existing) {
    return compareWithExistingTransfer(input, existing);
  }
  const { flags } = input;
  const kinds = [flags.pending, flags.postPendingTransfer, flags.voidPendingTransfer].filter(
    Boolean,
  ).length;
  if (kinds > 1 || (flags.postAbovePendingAmountAllowed && !flags.postPendingTransfer)) {
    return 'flags_are_mutually_exclusive';
  }
  if (flags.postPendingTransfer || flags.voidPendingTransfer) {
    return resolvePendingTransfer(overlay, input, nowMs);
  }
  if (!isValidId(input.debitAccountId)) {
    return 'debit_account_id_invalid';
  }
  if (!isValidId(input.creditAccountId)) {
    return 'credit_account_id_invalid';
  }
  if (input.debitAccountId === input.creditAccountId) {
    return 'accounts_must_be_different';
  }
  if (input.pendingId !== '') {
    return 'pending_id_must_be_empty';
  }
  if (!flags.pending && input.timeoutSeconds !== 0) {
    return 'timeout_reserved_for_pending_transfer';
  }
  const commonFailure = checkTimeoutUserDataAmount(input);
  if (commonFailure) {
    return commonFailure;
  }
  const amount = input.amountMinor as bigint;
  if (amount === 0n) {
    return 'amount_must_not_be_zero';
  }
  const debitAccount = overlay.account(input.debitAccountId);
  if (!debitAccount) {
    return 'debit_account_not_found';
  }
  const creditAccount = overlay.account(input.creditAccountId);
  if (!creditAccount) {
    return 'credit_account_not_found';
  }
  if (debitAccount.currencyCode !== creditAccount.currencyCode) {
    return 'accounts_must_have_the_same_currency';
  }
  if (input.currencyCode !== debitAccount.currencyCode) {
    return 'transfer_must_have_the_same_currency_as_accounts';
  }
  const debitsPending = debitAccount.debitsPendingMinor + (flags.pending ? amount : 0n);
  const debitsPosted = debitAccount.debitsPostedMinor + (flags.pending ? 0n : amount);
  const creditsPending = creditAccount.creditsPendingMinor + (flags.pending ? amount : 0n);
  const creditsPosted = creditAccount.creditsPostedMinor + (flags.pending ? 0n : amount);
  const limitFailure = checkOverflowsAndLimits(
    debitAccount,
    creditAccount,
    debitsPending,
    debitsPosted,
    creditsPending,
    creditsPosted,
  );
  if (limitFailure) {
    return limitFailure;
  }
  overlay.putAccount({
    ...debitAccount,
    debitsPendingMinor: debitsPending,
    debitsPostedMinor: debitsPosted,
  });
  overlay.putAccount({
    ...creditAccount,
    creditsPendingMinor: creditsPending,
    creditsPostedMinor: creditsPosted,
  });
  overlay.putTransfer({
    id: input.id,
    debitAccountId: input.debitAccountId,
    creditAccountId: input.creditAccountId,
    amountMinor: amount,
    currencyCode: input.currencyCode,
    pendingId: '',
    timeoutSeconds: input.timeoutSeconds,
    userData: input.userData,
    flags: { ...flags },
    createdAtMs: nowMs,
  });
  return 'ok';
}

function checkTimeoutUserDataAmount(input: TransferInput): CreateTransferResult | undefined {
  if (
    !Number.isInteger(input.timeoutSeconds) ||
    input.timeoutSeconds < 0 ||
    input.timeoutSeconds > TIMEOUT_SECONDS_MAX
  ) {
    return 'timeout_invalid';
  }
  if (input.userData.length > USER_DATA_LENGTH_MAX) {
    return 'user_data_too_long';
  }
  if (input.amountMinor === undefined) {
    return 'amount_malformed';
  }
  if (input.amountMinor > UINT64_MAX) {
    return 'amount_exceeds_uint64';
  }
  return undefined;
}

/** Checks the balances a change would produce: first the 2^128 width, then the account flags. */
function checkOverflowsAndLimits(
  debitAccount: Account,
  creditAccount: Account,
  debitsPending: bigint,
  debitsPosted: bigint,
  creditsPending: bigint,
  creditsPosted: bigint,
): CreateTransferResult | undefined {
  if (debitsPending > BALANCE_MAX) {
    return 'overflows_debits_pending';
  }
  if (creditsPending > BALANCE_MAX) {
    return 'overflows_credits_pending';
  }
  if (debitsPosted > BALANCE_MAX) {
    return 'overflows_debits_posted';
  }
  if (creditsPosted > BALANCE_MAX) {
    return 'overflows_credits_posted';
  }
  if (
    debitAccount.flags.debitsMustNotExceedCredits &&
    debitsPending + debitsPosted > debitAccount.creditsPostedMinor
  ) {
    return 'exceeds_credits';
  }
  if (
    creditAccount.flags.creditsMustNotExceedDebits &&
    creditsPending + creditsPosted > creditAccount.debitsPostedMinor
  ) {
    return 'exceeds_debits';
  }
  return undefined;
}

function resolvePendingTransfer(
  overlay: LedgerOverlay,
  input: TransferInput,
  nowMs: number,
): CreateTransferResult {
  const posting = input.flags.postPendingTransfer;
  if (input.debitAccountId !== '' && !isValidId(input.debitAccountId)) {
    return 'debit_account_id_invalid';
  }
  if (input.creditAccountId !== '' && !isValidId(input.creditAccountId)) {
    return 'credit_account_id_invalid';
  }
  if (input.debitAccountId !== '' && input.debitAccountId === input.creditAccountId) {
    return 'accounts_must_be_different';
  }
  if (input.pendingId === '') {
    return 'pending_id_must_not_be_empty';
  }
  if (!isValidId(input.pendingId)) {
    return 'pending_id_invalid';
  }
  if (input.pendingId === input.id) {
    return 'pending_id_must_be_different';
  }
  if (input.timeoutSeconds !== 0) {
    return 'timeout_reserved_for_pending_transfer';
  }
  const commonFailure = checkTimeoutUserDataAmount(input);
  if (commonFailure) {
    return commonFailure;
  }
  const requestedAmount = input.amountMinor as bigint;
  const pending = overlay.transfer(input.pendingId);
  if (!pending) {
    return 'pending_transfer_not_found';
  }
  if (!pending.flags.pending) {
    return 'pending_transfer_not_pending';
  }
  if (input.debitAccountId !== '' && input.debitAccountId !== pending.debitAccountId) {
    return 'pending_transfer_has_different_debit_account_id';
  }
  if (input.creditAccountId !== '' && input.creditAccountId !== pending.creditAccountId) {
    return 'pending_transfer_has_different_credit_account_id';
  }
  if (input.currencyCode !== '' && input.currencyCode !== pending.currencyCode) {
    return 'pending_transfer_has_different_currency';
  }
  const pendingAmount = pending.amountMinor;
  // A post without an amount posts the full pending amount; a void always releases all of it.
  const amount = requestedAmount === 0n ? pendingAmount : requestedAmount;
  if (!posting && amount !== pendingAmount) {
    return 'pending_transfer_has_different_amount';
  }
  if (posting && amount > pendingAmount && !input.flags.postAbovePendingAmountAllowed) {
    return 'exceeds_pending_transfer_amount';
  }
  const resolution = overlay.resolution(pending.id);
  if (resolution) {
    switch (resolution.kind) {
      case 'posted':
        return 'pending_transfer_already_posted';
      case 'voided':
        return 'pending_transfer_already_voided';
      case 'expired':
        return 'pending_transfer_expired';
    }
  }
  const expiresAtMs = pendingExpiresAtMs(pending);
  if (expiresAtMs !== undefined && nowMs >= expiresAtMs) {
    return 'pending_transfer_expired';
  }
  const debitAccount = overlay.account(pending.debitAccountId);
  const creditAccount = overlay.account(pending.creditAccountId);
  assertInvariant(
    debitAccount !== undefined && creditAccount !== undefined,
    `accounts of pending transfer ${pending.id} missing from the snapshot`,
  );
  const debitsPending = debitAccount.debitsPendingMinor - pendingAmount;
  const creditsPending = creditAccount.creditsPendingMinor - pendingAmount;
  const debitsPosted = debitAccount.debitsPostedMinor + (posting ? amount : 0n);
  const creditsPosted = creditAccount.creditsPostedMinor + (posting ? amount : 0n);
  assertInvariant(
    debitsPending >= 0n && creditsPending >= 0n,
    `pending balances of ${pending.id} below the held amount`,
  );
  const limitFailure = checkOverflowsAndLimits(
    debitAccount,
    creditAccount,
    debitsPending,
    debitsPosted,
    creditsPending,
    creditsPosted,
  );
  if (limitFailure) {
    return limitFailure;
  }
  overlay.putAccount({
    ...debitAccount,
    debitsPendingMinor: debitsPending,
    debitsPostedMinor: debitsPosted,
  });
  overlay.putAccount({
    ...creditAccount,
    creditsPendingMinor: creditsPending,
    creditsPostedMinor: creditsPosted,
  });
  overlay.putTransfer({
    id: input.id,
    debitAccountId: pending.debitAccountId,
    creditAccountId: pending.creditAccountId,
    amountMinor: amount,
    currencyCode: pending.currencyCode,
    pendingId: pending.id,
    timeoutSeconds: 0,
    userData: input.userData,
    flags: { ...input.flags },
    createdAtMs: nowMs,
  });
  overlay.putResolution({
    pendingId: pending.id,
    kind: posting ? 'posted' : 'voided',
    resolvingTransferId: input.id,
    resolvedAtMs: nowMs,
  });
  return 'ok';
}

function expirePending(
  overlay: LedgerOverlay,
  pendingId: string,
  nowMs: number,
): ExpirePendingResult {
  const pending = overlay.transfer(pendingId);
  if (!pending || !pending.flags.pending) {
    return 'not_found';
  }
  if (overlay.resolution(pendingId)) {
    return 'already_resolved';
  }
  const expiresAtMs = pendingExpiresAtMs(pending);
  if (expiresAtMs === undefined || nowMs < expiresAtMs) {
    return 'not_due';
  }
  const debitAccount = overlay.account(pending.debitAccountId);
  const creditAccount = overlay.account(pending.creditAccountId);
  assertInvariant(
    debitAccount !== undefined && creditAccount !== undefined,
    `accounts of pending transfer ${pendingId} missing from the snapshot`,
  );
  overlay.putAccount({
    ...debitAccount,
    debitsPendingMinor: debitAccount.debitsPendingMinor - pending.amountMinor,
  });
  overlay.putAccount({
    ...creditAccount,
    creditsPendingMinor: creditAccount.creditsPendingMinor - pending.amountMinor,
  });
  overlay.putResolution({
    pendingId,
    kind: 'expired',
    resolvingTransferId: '',
    resolvedAtMs: nowMs,
  });
  return 'ok';
}
