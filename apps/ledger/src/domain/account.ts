import { BALANCE_MAX, isValidId } from './ledger-numbers';

/** What an account is for; fixed at creation like every field but the balances. */
export const ACCOUNT_CODES = [
  'customer',
  'card_clearing',
  'funding',
  'fees',
  'settlement',
  'suspense',
] as const;
export type AccountCode = (typeof ACCOUNT_CODES)[number];

export interface AccountFlags {
  /** Debits (pending + posted) may never exceed posted credits: a customer's money. */
  readonly debitsMustNotExceedCredits: boolean;
  /** Credits (pending + posted) may never exceed posted debits: a credit line. */
  readonly creditsMustNotExceedDebits: boolean;
}

export interface AccountBalances {
  readonly debitsPendingMinor: bigint;
  readonly debitsPostedMinor: bigint;
  readonly creditsPendingMinor: bigint;
  readonly creditsPostedMinor: bigint;
}

export interface Account extends AccountBalances {
  readonly id: string;
  readonly currencyCode: string;
  readonly currencyExponent: number;
  readonly code: AccountCode;
  readonly flags: AccountFlags;
  readonly userData: string;
  readonly createdAtMs: number;
  /** Incremented by every change of balances; the compare-and-set token in the store. */
  readonly version: bigint;
}

export interface AccountInput {
  readonly id: string;
  readonly currencyCode: string;
  readonly currencyExponent: number;
  readonly code: AccountCode;
  readonly flags: AccountFlags;
  readonly userData: string;
}

export type CreateAccountResult =
  | 'ok'
  | 'exists'
  | 'exists_with_different_fields'
  | 'id_invalid'
  | 'flags_are_mutually_exclusive'
  | 'currency_code_invalid'
  | 'currency_exponent_invalid'
  | 'user_data_too_long';

export const USER_DATA_LENGTH_MAX = 128;
const CURRENCY_EXPONENT_MAX = 18;

/** Field checks that need no state. `undefined` means the input is well formed. */
export function validateAccountInput(input: AccountInput): CreateAccountResult | undefined {
  if (!isValidId(input.id)) {
    return 'id_invalid';
  }
  if (input.flags.debitsMustNotExceedCredits && input.flags.creditsMustNotExceedDebits) {
    return 'flags_are_mutually_exclusive';
  }
  if (!/^[A-Z]{3}$/.test(input.currencyCode)) {
    return 'currency_code_invalid';
  }
  if (
    !Number.isInteger(input.currencyExponent) ||
    input.currencyExponent < 0 ||
    input.currencyExponent > CURRENCY_EXPONENT_MAX
  ) {
    return 'currency_exponent_invalid';
  }
  if (input.userData.length > USER_DATA_LENGTH_MAX) {
    return 'user_data_too_long';
  }
  return undefined;
}

export function newAccount(input: AccountInput, createdAtMs: number): Account {
  return {
    ...input,
    flags: { ...input.flags },
    createdAtMs,
    version: 0n,
    debitsPendingMinor: 0n,
    debitsPostedMinor: 0n,
    creditsPendingMinor: 0n,
    creditsPostedMinor: 0n,
  };
}

/** The result of creating `input` when an account with its id is already stored. */
export function compareWithExistingAccount(
  input: AccountInput,
  existing: Account,
): 'exists' | 'exists_with_different_fields' {
  const same =
    input.currencyCode === existing.currencyCode &&
    input.currencyExponent === existing.currencyExponent &&
    input.code === existing.code &&
    input.userData === existing.userData &&
    input.flags.debitsMustNotExceedCredits === existing.flags.debitsMustNotExceedCredits &&
    input.flags.creditsMustNotExceedDebits === existing.flags.creditsMustNotExceedDebits;
  return same ? 'exists' : 'exists_with_different_fields';
}

/**
 * Ledger balance counts posted entries only; available balance also subtracts pending debits
 * (holds) and, for credit-normal accounts, pending credits. Both are signed, in the account's
 * normal direction: credits minus debits for an account whose debits must not exceed credits
 * (a customer's deposit), debits minus credits otherwise.
 */
export function accountBalancesView(account: Account): {
  ledgerBalanceMinor: bigint;
  availableBalanceMinor: bigint;
} {
  if (account.flags.creditsMustNotExceedDebits) {
    return {
      ledgerBalanceMinor: account.debitsPostedMinor - account.creditsPostedMinor,
      availableBalanceMinor:
        account.debitsPostedMinor - account.creditsPostedMinor - account.creditsPendingMinor,
    };
  }
  return {
    ledgerBalanceMinor: account.creditsPostedMinor - account.debitsPostedMinor,
    availableBalanceMinor:
      account.creditsPostedMinor - account.debitsPostedMinor - account.debitsPendingMinor,
  };
}

/** Broken-invariant check used after every change: balances stay within 0..BALANCE_MAX. */
export function balancesInRange(balances: AccountBalances): boolean {
  return [
    balances.debitsPendingMinor,
    balances.debitsPostedMinor,
    balances.creditsPendingMinor,
    balances.creditsPostedMinor,
  ].every((value) => value >= 0n && value <= BALANCE_MAX);
}
