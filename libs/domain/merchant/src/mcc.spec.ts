import { allMccEntries, lookupMcc, mccOf, parseMcc } from './mcc';

describe('parseMcc', () => {
  it.each(['0742', '5411', '6011', '9999', '0000'])('accepts %j', (text) => {
    expect(parseMcc(text)).toEqual({ kind: 'mcc', mcc: text });
  });

  it.each(['742', '05411', ' 5411', '5411 ', '54a1', '', '５４１１', '-541'])(
    'rejects %j (leading zeros are kept, nothing is trimmed)',
    (text) => {
      expect(parseMcc(text)).toEqual({ kind: 'invalid' });
    },
  );

  it('throws from mccOf for a malformed literal', () => {
    expect(() => mccOf('742')).toThrow(/four-digit/);
  });
});

describe('lookupMcc', () => {
  it('describes listed codes, keeping the leading zero', () => {
    expect(lookupMcc(mccOf('0742'))).toEqual({
      kind: 'listed',
      entry: { mcc: '0742', description: 'Veterinary Services' },
    });
    expect(lookupMcc(mccOf('5411'))).toMatchObject({
      entry: { description: 'Grocery Stores, Supermarkets' },
    });
  });

  it('has the corrected 6011 description (ATM, not manual cash)', () => {
    expect(lookupMcc(mccOf('6011'))).toMatchObject({
      entry: { description: 'Financial Institutions – Automated Cash Disbursements (ATM)' },
    });
    expect(lookupMcc(mccOf('6010'))).toMatchObject({
      entry: { description: 'Financial Institutions – Manual Cash Disbursements' },
    });
  });

  it('reports well-formed codes missing from the list as unlisted', () => {
    expect(lookupMcc(mccOf('6540'))).toEqual({ kind: 'unlisted', mcc: '6540' });
  });

  it('lists 981 unique, sorted, four-digit codes', () => {
    const codes = allMccEntries().map((entry) => entry.mcc);
    expect(codes).toHaveLength(981);
    expect(new Set(codes).size).toBe(981);
    expect([...codes].sort()).toEqual(codes);
    expect(codes.every((code) => /^\d{4}$/.test(code))).toBe(true);
  });
});
