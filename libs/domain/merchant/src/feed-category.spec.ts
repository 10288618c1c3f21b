import { FEED_CATEGORIES, FEED_CATEGORY_RANGES, feedCategoryFor } from './feed-category';
import { allMccEntries, mccOf } from './mcc';

describe('feedCategoryFor', () => {
  it.each([
    ['5411', 'groceries'],
    ['5499', 'groceries'],
    ['5812', 'eating_out'],
    ['5813', 'eating_out'],
    ['5814', 'eating_out'],
    ['4111', 'transport'],
    ['4121', 'transport'],
    ['4131', 'transport'],
    ['4789', 'transport'],
    ['5541', 'transport'],
    ['7523', 'transport'],
    ['6010', 'cash'],
    ['6011', 'cash'],
    ['7995', 'entertainment'],
    ['7832', 'entertainment'],
    ['5816', 'entertainment'],
    ['4900', 'bills'],
    ['4814', 'bills'],
    ['6300', 'bills'],
    ['9311', 'bills'],
    ['5311', 'shopping'],
    ['5691', 'shopping'],
    ['5999', 'shopping'],
    ['3000', 'holidays'],
    ['3501', 'holidays'],
    ['4511', 'holidays'],
    ['7011', 'holidays'],
    ['3351', 'transport'],
    ['7399', 'expenses'],
    ['5045', 'expenses'],
    ['0742', 'general'],
    ['8011', 'general'],
    ['7230', 'general'],
    ['0000', 'general'],
  ])('%s is %s', (code, category) => {
    expect(feedCategoryFor(mccOf(code))).toBe(category);
  });

  it('uses sorted, non-overlapping ranges of four-digit codes', () => {
    let previousLast = '';
    for (const range of FEED_CATEGORY_RANGES) {
      expect(range.first).toMatch(/^\d{4}$/);
      expect(range.last).toMatch(/^\d{4}$/);
      expect(range.first <= range.last).toBe(true);
      expect(range.first > previousLast).toBe(true);
      previousLast = range.last;
    }
  });

  it('gives every listed code a known category and uses every category', () => {
    const used = new Set(allMccEntries().map((entry) => feedCategoryFor(entry.mcc)));
    expect([...used].sort()).toEqual([...FEED_CATEGORIES].sort());
  });

  it('puts descriptions that name groceries, restaurants or airlines where expected', () => {
    // Cross-checks the hand-written ranges against the data's own wording.
    for (const entry of allMccEntries()) {
      if (/airlines?\b/i.test(entry.description) && entry.mcc < '3351') {
        expect([entry.mcc, feedCategoryFor(entry.mcc)]).toEqual([entry.mcc, 'holidays']);
      }
      if (/restaurant/i.test(entry.description)) {
        expect([entry.mcc, feedCategoryFor(entry.mcc)]).toEqual([entry.mcc, 'eating_out']);
      }
    }
  });
});
