/**
 * ISO 4217 currencies that can carry money. The table is generated from the pinned CSV (see the
 * README); we never ask `Intl` for exponents because its data changes with the Node release.
 */
import {
  ISO4217_MONEY_CURRENCIES,
  ISO4217_NON_MONEY_CURRENCIES,
} from './generated/iso4217.generated';

declare const currencyCodeBrand: unique symbol;

/**
 * An ISO 4217 alphabetic code known to have a minor unit (e.g. 'GBP'). Only the lookups below
 * produce one, so holding a `CurrencyCode` proves the currency exists and has an exponent.
 */
export type CurrencyCode = string & { readonly [currencyCodeBrand]: 'CurrencyCode' };

/** Number of decimal places of the minor unit: 2 for GBP (pence), 0 for JPY, 3 for KWD. */
export type CurrencyExponent = 0 | 1 | 2 | 3 | 4;

export interface Currency {
  readonly code: CurrencyCode;
  /** ISO 4217 numeric code as sent on card messages (`Bill_Ccy=826`): always 3 digits. */
  readonly numericCode: string;
  readonly exponent: CurrencyExponent;
  readonly name: string;
}

/**
 * Outcome of a lookup. `not_money` is a real ISO 4217 code whose minor unit is "N.A." (gold XAU,
 * SDR XDR, "no currency" XXX...): it names something, but no amount can be booked in it.
 */
export type CurrencyLookup =
  | { readonly kind: 'currency'; readonly currency: Currency }
  | {
      readonly kind: 'not_money';
      readonly alphabeticCode: string;
      readonly numericCode: string;
    }
  | { readonly kind: 'unknown' };

const currencies: readonly Currency[] = ISO4217_MONEY_CURRENCIES.map((row) => ({
  code: row.alphabeticCode as CurrencyCode,
  numericCode: row.numericCode,
  exponent: row.exponent,
  name: row.name,
}));
const currencyByAlphabetic = new Map(currencies.map((currency) => [currency.code, currency]));
const currencyByNumeric = new Map(currencies.map((currency) => [currency.numericCode, currency]));
const nonMoneyByAlphabetic = new Map(
  ISO4217_NON_MONEY_CURRENCIES.map((row) => [row.alphabeticCode as string, row]),
);
const nonMoneyByNumeric = new Map(
  ISO4217_NON_MONEY_CURRENCIES.map((row) => [row.numericCode as string, row]),
);

/** Looks up an alphabetic code, exactly as written (ISO codes are upper case: 'gbp' is unknown). */
export function lookupCurrency(alphabeticCode: string): CurrencyLookup {
  const currency = currencyByAlphabetic.get(alphabeticCode as CurrencyCode);
  if (currency !== undefined) {
    return { kind: 'currency', currency };
  }
  const nonMoney = nonMoneyByAlphabetic.get(alphabeticCode);
  return nonMoney === undefined
    ? { kind: 'unknown' }
    : {
        kind: 'not_money',
        alphabeticCode: nonMoney.alphabeticCode,
        numericCode: nonMoney.numericCode,
      };
}

/**
 * Looks up a numeric code. Only the canonical 3-digit form matches ('826', '008'): card messages
 * send it that way, and accepting '8' or ' 826' would let a malformed field through.
 */
export function lookupCurrencyByNumericCode(numericCode: string): CurrencyLookup {
  const currency = currencyByNumeric.get(numericCode);
  if (currency !== undefined) {
    return { kind: 'currency', currency };
  }
  const nonMoney = nonMoneyByNumeric.get(numericCode);
  return nonMoney === undefined
    ? { kind: 'unknown' }
    : {
        kind: 'not_money',
        alphabeticCode: nonMoney.alphabeticCode,
        numericCode: nonMoney.numericCode,
      };
}

/**
 * Returns the currency for a code known at compile time or from trusted configuration
 * (`currencyOf('GBP')`). An unknown code there is a programming error, so this throws; parse
 * untrusted input with `lookupCurrency` instead.
 */
export function currencyOf(alphabeticCode: string): Currency {
  const lookup = lookupCurrency(alphabeticCode);
  if (lookup.kind !== 'currency') {
    throw new Error(`${alphabeticCode} is not an ISO 4217 currency with a minor unit`);
  }
  return lookup.currency;
}

/** Shorthand for `currencyOf(code).code`. */
export function currencyCode(alphabeticCode: string): CurrencyCode {
  return currencyOf(alphabeticCode).code;
}

/** The currency record for a code; total because a `CurrencyCode` only comes from the table. */
export function currencyFor(code: CurrencyCode): Currency {
  const currency = currencyByAlphabetic.get(code);
  if (currency === undefined) {
    // Reachable only through an unchecked cast to CurrencyCode: a bug at the caller.
    throw new Error(`${code} was cast to CurrencyCode without a lookup`);
  }
  return currency;
}

/** Every currency with a minor unit, sorted by alphabetic code. */
export function allCurrencies(): readonly Currency[] {
  return currencies;
}
