import { MERCHANT_DIRECTORY_ENTRIES } from '../../data/merchant-directory';
import { FEED_CATEGORIES } from '../feed-category';
import {
  MERCHANT_DIRECTORY,
  createMerchantDirectory,
  merchantGroupIdOf,
} from './merchant-directory';
import type { MerchantDirectoryEntry } from './merchant-directory-entry';
import { matchKeyOf } from './match-key';

function slugMatching(descriptor: string): string | undefined {
  return MERCHANT_DIRECTORY.matchDescriptor(descriptor)?.entry.slug;
}

describe('shipped merchant directory integrity', () => {
  it('has at least 150 chains', () => {
    expect(MERCHANT_DIRECTORY_ENTRIES.length).toBeGreaterThanOrEqual(150);
  });

  it('gives every entry a unique group id', () => {
    const groupIds = MERCHANT_DIRECTORY_ENTRIES.map(merchantGroupIdOf);
    expect(new Set(groupIds).size).toBe(groupIds.length);
    for (const groupId of groupIds) {
      expect(groupId).toMatch(/^grp_[a-z0-9]+(-[a-z0-9]+)*$/);
    }
  });

  it('uses only feed categories and non-empty names and emoji', () => {
    for (const entry of MERCHANT_DIRECTORY_ENTRIES) {
      expect(FEED_CATEGORIES).toContain(entry.category);
      expect(entry.name.trim()).not.toBe('');
      expect(entry.emoji.trim()).not.toBe('');
      expect(entry.patterns.length).toBeGreaterThan(0);
    }
  });

  it('matches every pattern to its own entry', () => {
    const mismatches = MERCHANT_DIRECTORY_ENTRIES.flatMap((entry) =>
      entry.patterns
        .filter((pattern) => slugMatching(pattern) !== entry.slug)
        .map((pattern) => `${pattern} → ${slugMatching(pattern) ?? 'nothing'}, not ${entry.slug}`),
    );
    expect(mismatches).toEqual([]);
  });

  it('never lets two entries own the same normalised pattern (equal-length ambiguity)', () => {
    const ownersByKey = new Map<string, Set<string>>();
    for (const entry of MERCHANT_DIRECTORY_ENTRIES) {
      for (const pattern of entry.patterns) {
        const key = matchKeyOf(pattern).compact;
        ownersByKey.set(key, (ownersByKey.get(key) ?? new Set()).add(entry.slug));
      }
    }
    const shared = [...ownersByKey].filter(([, owners]) => owners.size > 1);
    expect(shared).toEqual([]);
  });
});

describe('createMerchantDirectory', () => {
  const coffee: MerchantDirectoryEntry = {
    slug: 'bean-there',
    name: 'Bean There',
    category: 'eating_out',
    emoji: '☕',
    patterns: ['BEAN THERE'],
  };

  it('refuses two entries whose patterns normalise to the same key', () => {
    const lookalike = { ...coffee, slug: 'bean-there-too', patterns: ['bean-there'] };
    expect(() => createMerchantDirectory([coffee, lookalike])).toThrow(/collides/);
  });

  it('refuses duplicate slugs, bad slugs, unknown categories and empty patterns', () => {
    expect(() => createMerchantDirectory([coffee, coffee])).toThrow(/twice/);
    expect(() => createMerchantDirectory([{ ...coffee, slug: 'Bean There' }])).toThrow(/slug/);
    const badCategory = JSON.parse(
      JSON.stringify({ ...coffee, category: 'coffee' }),
    ) as typeof coffee;
    expect(() => createMerchantDirectory([badCategory])).toThrow(/category/);
    expect(() => createMerchantDirectory([{ ...coffee, patterns: ['***'] }])).toThrow(/no letters/);
    expect(() => createMerchantDirectory([{ ...coffee, patterns: [] }])).toThrow(/pattern/);
  });

  it('returns the longest whole-word pattern', () => {
    const beanRoastery = { ...coffee, slug: 'bean-roastery', patterns: ['BEAN THERE ROASTERY'] };
    const directory = createMerchantDirectory([coffee, beanRoastery]);
    expect(directory.matchDescriptor('BEAN THERE ROASTERY 12')?.entry.slug).toBe('bean-roastery');
    expect(directory.matchDescriptor('BEAN THERE ROAST')?.entry.slug).toBe('bean-there');
    expect(directory.matchDescriptor('BEAN THEREFORE')).toBeUndefined();
  });
});

describe('shipped directory matching', () => {
  it('matches whole words only', () => {
    expect(slugMatching('BOOTSTRAP LTD')).toBeUndefined();
    expect(slugMatching('PRETTY NAILS')).toBeUndefined();
    expect(slugMatching('SHELLEYS CAFE')).toBeUndefined();
    expect(slugMatching('BOOTS 1234')).toBe('boots');
  });

  it('treats a letter-to-digit change as a word end (store numbers glued on)', () => {
    expect(slugMatching('MCDONALDS1234')).toBe('mcdonalds');
    expect(slugMatching('TESCO STORES2345')).toBe('tesco');
  });

  it('keeps & significant so H&M and HM Revenue stay apart', () => {
    expect(slugMatching('H&M 123')).toBe('h-and-m');
    expect(slugMatching('HM REVENUE & CUSTOMS')).toBe('hmrc');
    expect(slugMatching('HM PASSPORT OFFICE')).toBeUndefined();
  });

  it('prefers the seller behind a payment facilitator, else the facilitator', () => {
    expect(slugMatching('PAYPAL *SPOTIFY')).toBe('spotify');
    expect(slugMatching('SQ *GREGGS')).toBe('greggs');
    expect(slugMatching('PAYPAL *JOHNSMITH')).toBe('paypal');
    expect(slugMatching('SQ *UNKNOWN STALL')).toBeUndefined();
  });

  it('ignores case, accents, apostrophes, punctuation and a leading www.', () => {
    expect(slugMatching("sainsbury's")).toBe('sainsburys');
    expect(slugMatching('Caffè Nero')).toBe('caffe-nero');
    expect(slugMatching('www.amazon.co.uk')).toBe('amazon');
    expect(slugMatching('  tfl  .  gov . uk / cp ')).toBe('tfl');
  });
});
