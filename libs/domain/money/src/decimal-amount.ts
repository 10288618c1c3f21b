/**
 * Decimal strings on the card processor's wire (CARD-PROCESSOR.md §2.3 and §3) to and from Money.
 *
 * Wire amounts have at most 15 integer digits and 4 decimals (`AmountSigned(19,4)`). We parse them
 * into an exact bigint count of 1/10 000 units, then convert to the currency's minor unit by
 * dividing by 10^(4 - exponent). No floating point is involved at any step.
 */
import { type CurrencyCode, currencyFor } from './currency';
import type { Money } from './money';

/** Decimal places the wire format carries; every exponent in the table is at most this. */
const WIRE_DECIMALS = 4;
const WIRE_AMOUNT_PATTERN = /^(-?)(\d{1,15})(?:\.(\d{1,4}))?$/;
/** A looser shape, used only to tell the caller which limit a well-formed number broke. */
const DECIMAL_SHAPE_PATTERN = /^-?(\d+)(?:\.(\d+))?$/;

/**
 * How to treat digits below the currency's minor unit (e.g. `1.2345` KWD, exponent 3):
 * `away_from_zero` for holds, so we never hold less than the processor may clear;
 * `toward_zero` for credits, so we never credit more than we were sent.
 */
export type SubMinorRounding = 'away_from_zero' | 'toward_zero';

export type DecimalAmountInvalidReason =
  'empty' | 'not_a_decimal' | 'too_many_integer_digits' | 'too_many_fraction_digits';

export type DecimalAmountParse =
  | {
      readonly kind: 'amount';
      readonly money: Money;
      /** True when non-zero digits below the minor unit were rounded away (metric + keep raw). */
      readonly subMinor: boolean;
      /** The exact value in 1/10 000 units, signed, before rounding to the minor unit. */
      readonly exactTenThousandths: bigint;
    }
  | { readonly kind: 'invalid'; readonly reason: DecimalAmountInvalidReason };

/**
 * Parses a wire amount such as `-12.5000` into minor units of `currency`.
 * Accepts exactly `^-?\d{1,15}(\.\d{1,4})?$`; everything else (`1e3`, `12,50`, `NaN`, `+1`,
 * ` 1`, `.5`, `1.`, the empty string) is `invalid` with a reason. Never throws.
 */
export function parseDecimalAmount(
  text: string,
  currency: CurrencyCode,
  rounding: SubMinorRounding,
): DecimalAmountParse {
  const match = WIRE_AMOUNT_PATTERN.exec(text);
  if (match === null) {
    return { kind: 'invalid', reason: invalidReason(text) };
  }
  const [, sign = '', integerDigits = '', fractionDigits = ''] = match;
  const magnitude =
    BigInt(integerDigits) * 10n ** BigInt(WIRE_DECIMALS) +
    BigInt(fractionDigits.padEnd(WIRE_DECIMALS, '0'));
  const divisor = 10n ** BigInt(WIRE_DECIMALS - currencyFor(currency).exponent);
  const subMinor = magnitude % divisor !== 0n;
  // Rounding works on the magnitude so both modes are symmetric around zero.
  const minorMagnitude =
    magnitude / divisor + (subMinor && rounding === 'away_from_zero' ? 1n : 0n);
  const negative = sign === '-';
  return {
    kind: 'amount',
    money: { amountMinor: negative ? -minorMagnitude : minorMagnitude, currency },
    subMinor,
    exactTenThousandths: negative ? -magnitude : magnitude,
  };
}

function invalidReason(text: string): DecimalAmountInvalidReason {
  if (text === '') {
    return 'empty';
  }
  const shape = DECIMAL_SHAPE_PATTERN.exec(text);
  if (shape === null) {
    return 'not_a_decimal';
  }
  return (shape[1] ?? '').length > 15 ? 'too_many_integer_digits' : 'too_many_fraction_digits';
}

/**
 * Formats minor units as a decimal string with exactly the currency's exponent of decimals:
 * GBP 8750n → `87.50`, JPY 1500n → `1500`, KWD -1234n → `-1.234`. Used for SOAP balances,
 * which must never be `null` or carry a different number of decimals.
 */
export function formatDecimalAmount(amount: Money): string {
  const exponent = currencyFor(amount.currency).exponent;
  const negative = amount.amountMinor < 0n;
  const digits = (negative ? -amount.amountMinor : amount.amountMinor).toString();
  if (exponent === 0) {
    return `${negative ? '-' : ''}${digits}`;
  }
  const padded = digits.padStart(exponent + 1, '0');
  const integerPart = padded.slice(0, padded.length - exponent);
  const fractionPart = padded.slice(padded.length - exponent);
  return `${negative ? '-' : ''}${integerPart}.${fractionPart}`;
}
