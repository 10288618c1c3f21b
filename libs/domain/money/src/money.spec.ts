import { currencyCode } from './currency';
import {
  abs,
  add,
  compare,
  CurrencyMismatchError,
  equals,
  isNegative,
  isPositive,
  isZero,
  max,
  min,
  money,
  negate,
  subtract,
  sum,
  zero,
} from './money';

const GBP = currencyCode('GBP');
const EUR = currencyCode('EUR');
const pounds = (amountMinor: bigint) => money(amountMinor, GBP);

describe('arithmetic within one currency', () => {
  it('adds, subtracts and negates exactly beyond 2^53 minor units', () => {
    const large = pounds(2n ** 60n + 1n);
    expect(add(large, pounds(1n))).toEqual(pounds(2n ** 60n + 2n));
    expect(subtract(pounds(1250n), pounds(10000n))).toEqual(pounds(-8750n));
    expect(negate(pounds(-5n))).toEqual(pounds(5n));
    expect(abs(pounds(-5n))).toEqual(pounds(5n));
    expect(abs(pounds(5n))).toEqual(pounds(5n));
  });

  it('sums a list, and an empty list to zero in the given currency', () => {
    expect(sum(GBP, [pounds(660n), pounds(590n)])).toEqual(pounds(1250n));
    expect(sum(EUR, [])).toEqual(zero(EUR));
  });

  it('compares and classifies', () => {
    expect(compare(pounds(1n), pounds(2n))).toBe(-1);
    expect(compare(pounds(2n), pounds(2n))).toBe(0);
    expect(compare(pounds(3n), pounds(2n))).toBe(1);
    expect(equals(pounds(2n), pounds(2n))).toBe(true);
    expect(isZero(zero(GBP))).toBe(true);
    expect(isZero(pounds(-1n))).toBe(false);
    expect(isNegative(pounds(-1n))).toBe(true);
    expect(isPositive(pounds(1n))).toBe(true);
    expect(isPositive(zero(GBP))).toBe(false);
    expect(min(pounds(1n), pounds(2n))).toEqual(pounds(1n));
    expect(max(pounds(1n), pounds(2n))).toEqual(pounds(2n));
  });
});

describe('mixing currencies', () => {
  const euros = money(100n, EUR);

  it.each([
    ['add', () => add(pounds(100n), euros)],
    ['subtract', () => subtract(pounds(100n), euros)],
    ['compare', () => compare(pounds(100n), euros)],
    ['equals', () => equals(pounds(100n), euros)],
    ['min', () => min(pounds(100n), euros)],
    ['max', () => max(pounds(100n), euros)],
    ['sum', () => sum(GBP, [pounds(1n), euros])],
  ])('%s refuses GBP with EUR', (_name, operation) => {
    expect(operation).toThrow(CurrencyMismatchError);
    expect(operation).toThrow('cannot combine GBP with EUR');
  });

  it('treats equal amounts in different currencies as not comparable, not equal', () => {
    expect(() => equals(pounds(100n), money(100n, EUR))).toThrow(CurrencyMismatchError);
  });
});
