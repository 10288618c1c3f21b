import { isInMccGroup, MCC_GROUP_NAMES, MCC_GROUPS, mccGroupsOf } from './mcc-groups';
import { lookupMcc, mccOf } from './mcc';

describe('MCC groups for spending controls', () => {
  it.each(['7800', '7801', '7802', '7995', '9406'])('%s is gambling', (code) => {
    expect(isInMccGroup(mccOf(code), 'gambling')).toBe(true);
    expect(mccGroupsOf(mccOf(code))).toEqual(['gambling']);
  });

  it.each(['6010', '6011'])('%s is a cash withdrawal', (code) => {
    expect(mccGroupsOf(mccOf(code))).toEqual(['cash_withdrawal']);
  });

  it.each(['4829', '6051', '6540'])('%s is quasi-cash', (code) => {
    expect(mccGroupsOf(mccOf(code))).toEqual(['quasi_cash']);
  });

  it.each(['5411', '5812', '7996', '7999', '6012', '0742'])('%s is in no group', (code) => {
    expect(mccGroupsOf(mccOf(code))).toEqual([]);
  });

  it('lists only four-digit codes, none twice within a group', () => {
    for (const group of MCC_GROUP_NAMES) {
      const codes: readonly string[] = MCC_GROUPS[group];
      expect(codes.length).toBeGreaterThan(0);
      expect(new Set(codes).size).toBe(codes.length);
      expect(codes.every((code) => /^\d{4}$/.test(code))).toBe(true);
    }
  });

  it('agrees with the descriptions of the listed gambling and cash codes', () => {
    const description = (code: string) => {
      const lookup = lookupMcc(mccOf(code));
      return lookup.kind === 'listed' ? lookup.entry.description : '';
    };
    for (const code of MCC_GROUPS.gambling.filter((item) => item !== '9406')) {
      expect(description(code)).toMatch(/lotter|casino|gambling|racing|betting/i);
    }
    for (const code of MCC_GROUPS.cash_withdrawal) {
      expect(description(code)).toMatch(/cash disbursements/i);
    }
  });
});
