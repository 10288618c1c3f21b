import type { FeedCategory } from '../feed-category';

/**
 * One chain or online brand in the curated directory. `slug` is the stable identity: the group id
 * (`grp_<slug>`) and the logo file name derive from it, so it must never change once shipped.
 */
export interface MerchantDirectoryEntry {
  /** Lowercase ASCII words joined by `-`, e.g. `marks-and-spencer`. */
  readonly slug: string;
  readonly name: string;
  readonly category: FeedCategory;
  readonly emoji: string;
  /**
   * Descriptor prefixes as they appear on the wire (`TFL.GOV.UK/CP`, `AMZN MKTP UK`). Matching
   * ignores case, spacing and punctuation other than `&`, and a pattern only matches whole words.
   */
  readonly patterns: readonly string[];
}
