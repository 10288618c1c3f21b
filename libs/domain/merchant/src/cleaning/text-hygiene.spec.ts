import {
  MERCHANT_TEXT_LENGTH_MAX,
  hygieneMerchantText,
  lowerCaseSameLength,
  upperCaseSameLength,
} from './text-hygiene';

describe('hygieneMerchantText', () => {
  it('turns controls into spaces, drops invisible characters, collapses and trims', () => {
    expect(hygieneMerchantText('\u0000PRET\u0007A\u0085MANGER\u200b \t ')).toBe('PRET A MANGER');
  });

  it('drops unpaired surrogates but keeps pairs', () => {
    expect(hygieneMerchantText('CAFE \ud800 \udc00 \ud83c\udf7a')).toBe('CAFE 🍺');
  });

  it('caps the length in code points without splitting a pair', () => {
    const capped = hygieneMerchantText('🍺'.repeat(MERCHANT_TEXT_LENGTH_MAX + 5));
    expect(Array.from(capped)).toHaveLength(MERCHANT_TEXT_LENGTH_MAX);
    expect(hygieneMerchantText('AB CD', 3)).toBe('AB');
  });
});

describe('case mapping that keeps the length', () => {
  it('leaves characters whose other case has a different length', () => {
    expect(upperCaseSameLength('straße')).toBe('STRAßE');
    expect(lowerCaseSameLength('İSTANBUL')).toBe('İstanbul');
  });
});
