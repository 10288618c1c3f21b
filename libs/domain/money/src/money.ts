/**
 * Money as an integer count of minor units (pence, yen, fils) of one currency. `bigint` because
 * card amounts can exceed 2^53 minor units in 3- and 4-decimal currencies, and because float
 * rounding has no place in a ledger.
 *
 * Every binary helper refuses to combine two currencies by throwing `CurrencyMismatchError`.
 * Mixing currencies is a programming error (conversion is an explicit FX step with a rate), so
 * it is not a business outcome to return; let it crash loudly.
 */
import type { CurrencyCode } from './currency';

export interface Money {
  readonly amountMinor: bigint;
  readonly currency: CurrencyCode;
}

export class CurrencyMismatchError extends Error {
  constructor(
    readonly left: CurrencyCode,
    readonly right: CurrencyCode,
  ) {
    super(`cannot combine ${left} with ${right}`);
    this.name = 'CurrencyMismatchError';
  }
}

export function money(amountMinor: bigint, currency: CurrencyCode): Money {
  return { amountMinor, currency };
}

export function zero(currency: CurrencyCode): Money {
  return { amountMinor: 0n, currency };
}

function sameCurrency(left: Money, right: Money): CurrencyCode {
  if (left.currency !== right.currency) {
    throw new CurrencyMismatchError(left.currency, right.currency);
  }
  return left.currency;
}

export function add(left: Money, right: Money): Money {
  return { amountMinor: left.amountMinor + right.amountMinor, currency: sameCurrency(left, right) };
}

export function subtract(left: Money, right: Money): Money {
  return { amountMinor: left.amountMinor - right.amountMinor, currency: sameCurrency(left, right) };
}

/** Sum of amounts in one currency; an empty list sums to zero in `currency`. */
export function sum(currency: CurrencyCode, amounts: readonly Money[]): Money {
  return amounts.reduce((total, amount) => add(total, amount), zero(currency));
}

export function negate(amount: Money): Money {
  return { amountMinor: -amount.amountMinor, currency: amount.currency };
}

export function abs(amount: Money): Money {
  return amount.amountMinor < 0n ? negate(amount) : amount;
}

/** -1, 0 or 1, usable as an `Array.prototype.sort` comparator within one currency. */
export function compare(left: Money, right: Money): -1 | 0 | 1 {
  sameCurrency(left, right);
  if (left.amountMinor === right.amountMinor) {
    return 0;
  }
  return left.amountMinor < right.amountMinor ? -1 : 1;
}

export function equals(left: Money, right: Money): boolean {
  return compare(left, right) === 0;
}

export function isZero(amount: Money): boolean {
  return amount.amountMinor === 0n;
}

export function isNegative(amount: Money): boolean {
  return amount.amountMinor < 0n;
}

export function isPositive(amount: Money): boolean {
  return amount.amountMinor > 0n;
}

export function min(left: Money, right: Money): Money {
  return compare(left, right) <= 0 ? left : right;
}

export function max(left: Money, right: Money): Money {
  return compare(left, right) >= 0 ? left : right;
}
