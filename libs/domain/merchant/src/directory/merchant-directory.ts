import { MERCHANT_DIRECTORY_ENTRIES } from '../../data/merchant-directory';
import { FEED_CATEGORIES } from '../feed-category';
import { sellerBehindPaymentFacilitator } from '../cleaning/payment-facilitator';
import type { MerchantDirectoryEntry } from './merchant-directory-entry';
import { matchKeyOf } from './match-key';

export interface DirectoryMatch {
  readonly entry: MerchantDirectoryEntry;
  /** The pattern as written in the directory, for diagnostics. */
  readonly pattern: string;
}

/**
 * A precompiled directory: every pattern's match key sits in one hash map, so a lookup costs one
 * map probe per word end of the descriptor (longest first), not a scan over all patterns.
 */
export interface MerchantDirectory {
  readonly entries: readonly MerchantDirectoryEntry[];
  /** The longest whole-word pattern that prefixes the descriptor, if any. */
  matchDescriptor(descriptor: string): DirectoryMatch | undefined;
}

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * Builds the index and refuses a directory that could match ambiguously: two entries owning the
 * same match key (after normalisation) would make the winner depend on list order.
 */
export function createMerchantDirectory(
  entries: readonly MerchantDirectoryEntry[],
): MerchantDirectory {
  const byMatchKey = new Map<string, DirectoryMatch>();
  const slugs = new Set<string>();
  for (const entry of entries) {
    assertEntryValid(entry, slugs);
    slugs.add(entry.slug);
    for (const pattern of entry.patterns) {
      const key = matchKeyOf(pattern).compact;
      if (key === '') {
        throw new Error(`merchant directory: pattern "${pattern}" of ${entry.slug} has no letters`);
      }
      const owner = byMatchKey.get(key);
      if (owner !== undefined && owner.entry.slug !== entry.slug) {
        throw new Error(
          `merchant directory: pattern "${pattern}" of ${entry.slug} collides with "${owner.pattern}" of ${owner.entry.slug}`,
        );
      }
      if (owner === undefined) {
        byMatchKey.set(key, { entry, pattern });
      }
    }
  }

  function longestMatch(text: string): DirectoryMatch | undefined {
    const { compact, wordEnds } = matchKeyOf(text);
    for (let index = wordEnds.length - 1; index >= 0; index -= 1) {
      const match = byMatchKey.get(compact.slice(0, wordEnds[index]));
      if (match !== undefined) {
        return match;
      }
    }
    return undefined;
  }

  return {
    entries,
    matchDescriptor(descriptor: string): DirectoryMatch | undefined {
      // "PAYPAL *NETFLIX" is Netflix paid through PayPal: the seller behind a payment facilitator
      // wins; the facilitator's own entry (if any) only when the seller is unknown.
      const seller = sellerBehindPaymentFacilitator(descriptor);
      const sellerMatch = seller === undefined ? undefined : longestMatch(seller);
      return sellerMatch ?? longestMatch(descriptor);
    },
  };
}

function assertEntryValid(entry: MerchantDirectoryEntry, slugsSeen: ReadonlySet<string>): void {
  if (!SLUG.test(entry.slug)) {
    throw new Error(`merchant directory: slug "${entry.slug}" is not lowercase words joined by -`);
  }
  if (slugsSeen.has(entry.slug)) {
    throw new Error(`merchant directory: slug "${entry.slug}" appears twice`);
  }
  if (entry.name.trim() === '' || entry.emoji.trim() === '' || entry.patterns.length === 0) {
    throw new Error(`merchant directory: ${entry.slug} needs a name, an emoji and a pattern`);
  }
  if (!(FEED_CATEGORIES as readonly string[]).includes(entry.category)) {
    throw new Error(`merchant directory: ${entry.slug} has unknown category ${entry.category}`);
  }
}

/** The shipped directory, compiled once when the module loads. */
export const MERCHANT_DIRECTORY: MerchantDirectory = createMerchantDirectory(
  MERCHANT_DIRECTORY_ENTRIES,
);

export function merchantGroupIdOf(entry: MerchantDirectoryEntry): string {
  return `grp_${entry.slug}`;
}
