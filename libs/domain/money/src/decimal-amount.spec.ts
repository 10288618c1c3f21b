import fc from 'fast-check';

import { allCurrencies, currencyCode } from './currency';
import { formatDecimalAmount, parseDecimalAmount } from './decimal-amount';
import { money } from './money';

const GBP = currencyCode('GBP');
const JPY = currencyCode('JPY');
const KWD = currencyCode('KWD');
const CLF = currencyCode('CLF');

describe('CARD-PROCESSOR.md A27 amounts', () => {
  it('JPY 1500.0000 is 1500 yen, not sub-minor', () => {
    expect(parseDecimalAmount('1500.0000', JPY, 'away_from_zero')).toEqual({
      kind: 'amount',
      money: money(1500n, JPY),
      subMinor: false,
      exactTenThousandths: 15_000_000n,
    });
  });

  it('KWD 1.2340 is 1234 fils, not sub-minor', () => {
    expect(parseDecimalAmount('1.2340', KWD, 'away_from_zero')).toMatchObject({
      money: money(1234n, KWD),
      subMinor: false,
    });
  });

  it('KWD 1.2345 for a hold rounds away from zero to 1235 and reports sub-minor', () => {
    expect(parseDecimalAmount('1.2345', KWD, 'away_from_zero')).toEqual({
      kind: 'amount',
      money: money(1235n, KWD),
      subMinor: true,
      exactTenThousandths: 12345n,
    });
  });

  it('KWD 1.2345 for a credit rounds toward zero to 1234 and reports sub-minor', () => {
    expect(parseDecimalAmount('1.2345', KWD, 'toward_zero')).toMatchObject({
      money: money(1234n, KWD),
      subMinor: true,
    });
  });

  it('12.5 parses as 1250 pence', () => {
    expect(parseDecimalAmount('12.5', GBP, 'away_from_zero')).toMatchObject({
      money: money(1250n, GBP),
      subMinor: false,
    });
  });

  it('-0.0001 parses: a hold rounds to -1p, a credit to 0p, both sub-minor', () => {
    expect(parseDecimalAmount('-0.0001', GBP, 'away_from_zero')).toEqual({
      kind: 'amount',
      money: money(-1n, GBP),
      subMinor: true,
      exactTenThousandths: -1n,
    });
    expect(parseDecimalAmount('-0.0001', GBP, 'toward_zero')).toMatchObject({
      money: money(0n, GBP),
      subMinor: true,
    });
  });

  it.each([
    ['1e3', 'not_a_decimal'],
    ['12,50', 'not_a_decimal'],
    ['NaN', 'not_a_decimal'],
    ['', 'empty'],
    ['Infinity', 'not_a_decimal'],
    ['+12.50', 'not_a_decimal'],
    [' 12.50', 'not_a_decimal'],
    ['12.50 ', 'not_a_decimal'],
    ['12.50\n', 'not_a_decimal'],
    ['.5', 'not_a_decimal'],
    ['12.', 'not_a_decimal'],
    ['-', 'not_a_decimal'],
    ['--1', 'not_a_decimal'],
    ['0x10', 'not_a_decimal'],
    ['１２', 'not_a_decimal'],
    ['12.50000', 'too_many_fraction_digits'],
    ['1234567890123456', 'too_many_integer_digits'],
    ['-1234567890123456.5', 'too_many_integer_digits'],
  ])('%j is invalid (%s)', (text, reason) => {
    expect(parseDecimalAmount(text, GBP, 'away_from_zero')).toEqual({ kind: 'invalid', reason });
  });
});

describe('exponent conversion', () => {
  it.each([
    ['GBP', '-12.5000', -1250n],
    ['USD', '999999999999999.9900', 99999999999999999n],
    ['JPY', '-2.0000', -2n],
    ['UGX', '7', 7n],
    ['BHD', '0.001', 1n],
    ['TND', '10.5', 10500n],
    ['CLF', '1.2345', 12345n],
    ['UYW', '-0.0001', -1n],
  ])('%s %s is %d minor units exactly', (code, text, amountMinor) => {
    const currency = currencyCode(code);
    for (const rounding of ['away_from_zero', 'toward_zero'] as const) {
      expect(parseDecimalAmount(text, currency, rounding)).toMatchObject({
        money: money(amountMinor, currency),
        subMinor: false,
      });
    }
  });

  it('JPY 0.5 is sub-minor: 1 yen for a hold, 0 yen for a credit', () => {
    expect(parseDecimalAmount('0.5', JPY, 'away_from_zero')).toMatchObject({
      money: money(1n, JPY),
      subMinor: true,
    });
    expect(parseDecimalAmount('0.5', JPY, 'toward_zero')).toMatchObject({
      money: money(0n, JPY),
      subMinor: true,
    });
  });
});

describe('formatting for SOAP balances', () => {
  it.each([
    ['GBP', 8750n, '87.50'],
    ['GBP', 0n, '0.00'],
    ['GBP', -300n, '-3.00'],
    ['GBP', -5n, '-0.05'],
    ['JPY', 1500n, '1500'],
    ['JPY', -3n, '-3'],
    ['KWD', -1234n, '-1.234'],
    ['CLF', 1n, '0.0001'],
    ['USD', 2n ** 70n, '11805916207174113034.24'],
  ])('%s %d formats as %s', (code, amountMinor, text) => {
    expect(formatDecimalAmount(money(amountMinor, currencyCode(code)))).toBe(text);
  });
});

describe('properties', () => {
  const currencyArbitrary = fc.constantFrom(...allCurrencies().map((currency) => currency));
  /** Any minor amount that fits the wire's 15 integer digits in that currency. */
  const amountArbitrary = currencyArbitrary.chain((currency) => {
    const bound = 10n ** BigInt(15 + currency.exponent) - 1n;
    return fc.record({
      currency: fc.constant(currency.code),
      amountMinor: fc.bigInt({ min: -bound, max: bound }),
    });
  });

  it('parse(format(m)) returns m, exactly and without sub-minor digits', () => {
    fc.assert(
      fc.property(
        amountArbitrary,
        fc.constantFrom('away_from_zero', 'toward_zero'),
        (amount, rounding) => {
          const text = formatDecimalAmount(money(amount.amountMinor, amount.currency));
          expect(parseDecimalAmount(text, amount.currency, rounding)).toMatchObject({
            kind: 'amount',
            money: { amountMinor: amount.amountMinor, currency: amount.currency },
            subMinor: false,
          });
        },
      ),
      { numRuns: 500 },
    );
  });

  /** Wire strings: up to 15 integer digits (leading zeros allowed) and up to 4 decimals. */
  const wireTextArbitrary = fc
    .tuple(
      fc.boolean(),
      fc.stringMatching(/^\d{1,15}$/),
      fc.option(fc.stringMatching(/^\d{1,4}$/), { nil: undefined }),
    )
    .map(
      ([negative, integerDigits, fractionDigits]) =>
        `${negative ? '-' : ''}${integerDigits}${fractionDigits === undefined ? '' : `.${fractionDigits}`}`,
    );

  it('the two roundings differ by one minor unit exactly when digits are sub-minor', () => {
    fc.assert(
      fc.property(wireTextArbitrary, currencyArbitrary, (text, currency) => {
        const hold = parseDecimalAmount(text, currency.code, 'away_from_zero');
        const credit = parseDecimalAmount(text, currency.code, 'toward_zero');
        if (hold.kind !== 'amount' || credit.kind !== 'amount') {
          throw new Error(`${text} should parse`);
        }
        const difference = hold.money.amountMinor - credit.money.amountMinor;
        const magnitudeGap = difference < 0n ? -difference : difference;
        expect(magnitudeGap).toBe(hold.subMinor ? 1n : 0n);
        expect(credit.subMinor).toBe(hold.subMinor);
        // Toward zero never increases the magnitude; away from zero never decreases it.
        const scale = 10n ** BigInt(4 - currency.exponent);
        const exact = hold.exactTenThousandths;
        const magnitude = (value: bigint) => (value < 0n ? -value : value);
        expect(magnitude(credit.money.amountMinor * scale) <= magnitude(exact)).toBe(true);
        expect(magnitude(hold.money.amountMinor * scale) >= magnitude(exact)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('format(parse(s)) is s normalised to the currency exponent when s has no sub-minor digits', () => {
    fc.assert(
      fc.property(wireTextArbitrary, (text) => {
        const parsed = parseDecimalAmount(text, GBP, 'toward_zero');
        if (parsed.kind !== 'amount' || parsed.subMinor) {
          return;
        }
        const reparsed = parseDecimalAmount(formatDecimalAmount(parsed.money), GBP, 'toward_zero');
        expect(reparsed).toEqual(parsed);
        expect(formatDecimalAmount(parsed.money)).toMatch(/^-?\d+\.\d{2}$/);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary text, and accepts exactly the wire pattern', () => {
    const wirePattern = /^-?\d{1,15}(\.\d{1,4})?$/;
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[-+.,e\d ]{0,20}$/)), (text) => {
        const parsed = parseDecimalAmount(text, CLF, 'away_from_zero');
        expect(parsed.kind === 'amount').toBe(wirePattern.test(text));
      }),
      { numRuns: 1000 },
    );
  });
});
