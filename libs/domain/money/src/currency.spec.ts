import {
  allCurrencies,
  currencyCode,
  currencyOf,
  lookupCurrency,
  lookupCurrencyByNumericCode,
} from './currency';

describe('ISO 4217 exponents the card path depends on (CARD-PROCESSOR.md §2.3)', () => {
  it.each([
    ['GBP', '826', 2],
    ['EUR', '978', 2],
    ['USD', '840', 2],
    ['JPY', '392', 0],
    ['ISK', '352', 0],
    ['UGX', '800', 0],
    ['BHD', '048', 3],
    ['KWD', '414', 3],
    ['JOD', '400', 3],
    ['OMR', '512', 3],
    ['TND', '788', 3],
    ['LYD', '434', 3],
    ['IQD', '368', 3],
    ['CLF', '990', 4],
    ['UYW', '927', 4],
  ])('%s (numeric %s) has exponent %i by both lookups', (alphabetic, numeric, exponent) => {
    const byAlphabetic = lookupCurrency(alphabetic);
    const byNumeric = lookupCurrencyByNumericCode(numeric);
    expect(byAlphabetic).toEqual(byNumeric);
    expect(byAlphabetic).toMatchObject({
      kind: 'currency',
      currency: { code: alphabetic, numericCode: numeric, exponent },
    });
  });
});

describe('codes that are not money', () => {
  it.each([
    ['XAU', '959'],
    ['XDR', '960'],
    ['XXX', '999'],
    ['XTS', '963'],
  ])('%s / %s is refused as not_money by both lookups', (alphabetic, numeric) => {
    const expected = { kind: 'not_money', alphabeticCode: alphabetic, numericCode: numeric };
    expect(lookupCurrency(alphabetic)).toEqual(expected);
    expect(lookupCurrencyByNumericCode(numeric)).toEqual(expected);
    expect(() => currencyOf(alphabetic)).toThrow(/not an ISO 4217 currency/);
  });
});

describe('unknown and malformed codes', () => {
  it.each(['', 'gbp', 'GB', 'GBPP', ' GBP', 'ZZZ', 'DEM', 'FRF'])(
    'alphabetic %j is unknown (withdrawn codes included)',
    (code) => {
      expect(lookupCurrency(code)).toEqual({ kind: 'unknown' });
    },
  );

  it.each(['', '82', '8260', ' 826', '826 ', '8', '000', '276'])(
    'numeric %j is unknown (only the 3-digit form of a current code matches)',
    (code) => {
      expect(lookupCurrencyByNumericCode(code)).toEqual({ kind: 'unknown' });
    },
  );

  it('keeps the leading zeros of numeric codes', () => {
    expect(currencyOf('ALL').numericCode).toBe('008');
    expect(lookupCurrencyByNumericCode('008')).toMatchObject({ currency: { code: 'ALL' } });
  });

  it('throws from currencyCode for a code that is not in the table', () => {
    expect(() => currencyCode('ZZZ')).toThrow(/ZZZ/);
    expect(currencyCode('GBP')).toBe('GBP');
  });
});

describe('the table', () => {
  const table = allCurrencies();

  it('has unique alphabetic and numeric codes, sorted, with exponents 0..4', () => {
    const alphabetic = table.map((currency) => currency.code);
    expect(new Set(alphabetic).size).toBe(table.length);
    expect(new Set(table.map((currency) => currency.numericCode)).size).toBe(table.length);
    expect([...alphabetic].sort()).toEqual(alphabetic);
    for (const currency of table) {
      expect(currency.code).toMatch(/^[A-Z]{3}$/);
      expect(currency.numericCode).toMatch(/^\d{3}$/);
      expect([0, 1, 2, 3, 4]).toContain(currency.exponent);
    }
  });

  it('holds the current currencies only (withdrawn rows dropped, no N.A. codes)', () => {
    // 178 coded rows in use in the pinned CSV, of which 13 have minor unit "N.A.".
    expect(table).toHaveLength(165);
    expect(table.map((currency) => currency.code)).not.toContain('XAU');
  });
});
