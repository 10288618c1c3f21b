import type { Row, StoreValue } from '@corebank/platform-storage';

import {
  ACCOUNT_CODES,
  type Account,
  type AccountBalances,
  type AccountCode,
} from '../domain/account';
import type {
  PendingResolution,
  PendingResolutionKind,
  Transfer,
  TransferFlags,
} from '../domain/transfer';

/** Row <-> domain mapping for the ledger tables; a malformed row is a broken invariant. */

function text(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') {
    throw new Error(`ledger row column ${column} is not text`);
  }
  return value;
}

export function bigintOf(row: Row, column: string): bigint {
  const value = row[column];
  if (typeof value !== 'bigint') {
    throw new Error(`ledger row column ${column} is not bigint`);
  }
  return value;
}

function numberOf(row: Row, column: string): number {
  const value: StoreValue = row[column];
  if (typeof value === 'number') {
    return value;
  }
  if (typeof value === 'bigint') {
    return Number(value);
  }
  throw new Error(`ledger row column ${column} is not a number`);
}

function booleanOf(row: Row, column: string): boolean {
  const value = row[column];
  if (typeof value !== 'boolean') {
    throw new Error(`ledger row column ${column} is not boolean`);
  }
  return value;
}

/** Id text of a bigint id column; 0 (no id) maps to the empty string. */
function idOf(row: Row, column: string): string {
  const value = bigintOf(row, column);
  return value === 0n ? '' : value.toString();
}

export function idKey(id: string): bigint {
  return id === '' ? 0n : BigInt(id);
}

export function balancesOf(row: Row, prefix: '' | 'prev_'): AccountBalances {
  return {
    debitsPendingMinor: BigInt(text(row, `${prefix}debits_pending`)),
    debitsPostedMinor: BigInt(text(row, `${prefix}debits_posted`)),
    creditsPendingMinor: BigInt(text(row, `${prefix}credits_pending`)),
    creditsPostedMinor: BigInt(text(row, `${prefix}credits_posted`)),
  };
}

export function balanceColumns(balances: AccountBalances, prefix: '' | 'prev_'): Row {
  return {
    [`${prefix}debits_pending`]: balances.debitsPendingMinor.toString(),
    [`${prefix}debits_posted`]: balances.debitsPostedMinor.toString(),
    [`${prefix}credits_pending`]: balances.creditsPendingMinor.toString(),
    [`${prefix}credits_posted`]: balances.creditsPostedMinor.toString(),
  };
}

function accountCodeOf(value: string): AccountCode {
  const code = ACCOUNT_CODES.find((candidate) => candidate === value);
  if (code === undefined) {
    throw new Error(`ledger account row has unknown code ${value}`);
  }
  return code;
}

/** The account as of the row's current or previous balances. */
export function accountFromRow(row: Row, balances: AccountBalances): Account {
  return {
    id: idOf(row, 'id'),
    currencyCode: text(row, 'currency_code'),
    currencyExponent: numberOf(row, 'currency_exponent'),
    code: accountCodeOf(text(row, 'code')),
    flags: {
      debitsMustNotExceedCredits: booleanOf(row, 'debits_must_not_exceed_credits'),
      creditsMustNotExceedDebits: booleanOf(row, 'credits_must_not_exceed_debits'),
    },
    userData: text(row, 'user_data'),
    createdAtMs: numberOf(row, 'created_at_ms'),
    version: bigintOf(row, 'version'),
    ...balances,
  };
}

export function accountToRow(account: Account, commitId: bigint): Row {
  return {
    id: idKey(account.id),
    currency_code: account.currencyCode,
    currency_exponent: account.currencyExponent,
    code: account.code,
    debits_must_not_exceed_credits: account.flags.debitsMustNotExceedCredits,
    credits_must_not_exceed_debits: account.flags.creditsMustNotExceedDebits,
    user_data: account.userData,
    created_at_ms: BigInt(account.createdAtMs),
    version: account.version,
    commit_id: commitId,
    ...balanceColumns(account, ''),
    ...balanceColumns(account, 'prev_'),
  };
}

const FLAG_BITS: readonly (readonly [keyof TransferFlags, number])[] = [
  ['linked', 1],
  ['pending', 2],
  ['postPendingTransfer', 4],
  ['voidPendingTransfer', 8],
  ['postAbovePendingAmountAllowed', 16],
];

function flagsToBits(flags: TransferFlags): number {
  return FLAG_BITS.reduce((bits, [name, bit]) => (flags[name] ? bits | bit : bits), 0);
}

function flagsFromBits(bits: number): TransferFlags {
  const has = (name: keyof TransferFlags): boolean =>
    (bits & (FLAG_BITS.find(([flag]) => flag === name)?.[1] ?? 0)) !== 0;
  return {
    linked: has('linked'),
    pending: has('pending'),
    postPendingTransfer: has('postPendingTransfer'),
    voidPendingTransfer: has('voidPendingTransfer'),
    postAbovePendingAmountAllowed: has('postAbovePendingAmountAllowed'),
  };
}

export function transferToRow(transfer: Transfer, commitId: bigint): Row {
  return {
    id: idKey(transfer.id),
    debit_account_id: idKey(transfer.debitAccountId),
    credit_account_id: idKey(transfer.creditAccountId),
    amount_minor: transfer.amountMinor.toString(),
    currency_code: transfer.currencyCode,
    pending_id: idKey(transfer.pendingId),
    timeout_seconds: BigInt(transfer.timeoutSeconds),
    user_data: transfer.userData,
    flags: flagsToBits(transfer.flags),
    created_at_ms: BigInt(transfer.createdAtMs),
    commit_id: commitId,
  };
}

export function transferFromRow(row: Row): Transfer {
  return {
    id: idOf(row, 'id'),
    debitAccountId: idOf(row, 'debit_account_id'),
    creditAccountId: idOf(row, 'credit_account_id'),
    amountMinor: BigInt(text(row, 'amount_minor')),
    currencyCode: text(row, 'currency_code'),
    pendingId: idOf(row, 'pending_id'),
    timeoutSeconds: numberOf(row, 'timeout_seconds'),
    userData: text(row, 'user_data'),
    flags: flagsFromBits(numberOf(row, 'flags')),
    createdAtMs: numberOf(row, 'created_at_ms'),
  };
}

const RESOLUTION_KINDS: readonly PendingResolutionKind[] = ['posted', 'voided', 'expired'];

export function resolutionToRow(resolution: PendingResolution, commitId: bigint): Row {
  return {
    pending_id: idKey(resolution.pendingId),
    kind: resolution.kind,
    resolving_transfer_id: idKey(resolution.resolvingTransferId),
    resolved_at_ms: BigInt(resolution.resolvedAtMs),
    commit_id: commitId,
  };
}

export function resolutionFromRow(row: Row): PendingResolution {
  const kind = RESOLUTION_KINDS.find((candidate) => candidate === text(row, 'kind'));
  if (kind === undefined) {
    throw new Error(`ledger resolution row has unknown kind ${text(row, 'kind')}`);
  }
  return {
    pendingId: idOf(row, 'pending_id'),
    kind,
    resolvingTransferId: idOf(row, 'resolving_transfer_id'),
    resolvedAtMs: numberOf(row, 'resolved_at_ms'),
  };
}
