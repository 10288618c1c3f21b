/**
 * Integer ranges of the ledger. Amounts are unsigned 64-bit minor units on the wire; balances are
 * sums of amounts and are kept below 2^128 (TigerBeetle's balance width), so no sum can overflow.
 * Ids are positive 63-bit integers (snowflakes), so every id fits a signed bigint store column.
 */
export const UINT64_MAX = (1n << 64n) - 1n;
export const BALANCE_MAX = (1n << 128n) - 1n;
export const ID_MAX = (1n << 63n) - 1n;
export const TIMEOUT_SECONDS_MAX = 0xffff_ffff;

const DECIMAL_DIGITS = /^[0-9]{1,40}$/;

/** A decimal string of a positive 63-bit integer, without leading zeros: the only id form accepted. */
export function isValidId(id: string): boolean {
  if (!/^[1-9][0-9]{0,18}$/.test(id)) {
    return false;
  }
  return BigInt(id) <= ID_MAX;
}

/** Parses a decimal amount of any size; `undefined` when the text is not a plain decimal number. */
export function parseAmountMinor(text: string): bigint | undefined {
  return DECIMAL_DIGITS.test(text) ? BigInt(text) : undefined;
}
