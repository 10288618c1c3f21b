import { CATEGORY_EMOJI } from '../cleaning/category-emoji';
import { cleanMerchantName } from '../cleaning/clean-merchant-name';
import { type FeedCategory, feedCategoryFor } from '../feed-category';
import { parseMcc } from '../mcc';
import {
  MERCHANT_DIRECTORY,
  type MerchantDirectory,
  merchantGroupIdOf,
} from './merchant-directory';

/** The merchant fields of one card message, after DE43 has been split by the gateway. */
export interface RawMerchantFields {
  /** Merch_Name when present, else the name part of DE43. */
  readonly name: string;
  readonly city?: string;
  readonly country?: string;
  /** MCC_Code as sent (four digits); anything else counts as unknown. */
  readonly mcc?: string;
}

export interface EnrichMerchantOptions {
  /** https base under which logos are served, e.g. from config `MERCHANT_LOGO_BASE_URL`. */
  readonly logoBaseUrl: string;
  /** Defaults to the shipped directory; tests and tools may pass their own. */
  readonly directory?: MerchantDirectory;
}

export interface MerchantEnrichment {
  /** `grp_<slug>` for directory merchants; undefined when the chain is unknown. */
  readonly groupId: string | undefined;
  readonly name: string;
  readonly category: FeedCategory;
  readonly emoji: string;
  readonly logoUrl: string | undefined;
  readonly matchedBy: 'directory' | 'cleaned';
}

/**
 * The display side of a merchant: the directory's chain when a pattern matches the name, else a
 * cleaned name with the category of its MCC. Pure and deterministic.
 */
export function enrichMerchant(
  raw: RawMerchantFields,
  options: EnrichMerchantOptions,
): MerchantEnrichment {
  const logoBaseUrl = validatedLogoBaseUrl(options.logoBaseUrl);
  const directory = options.directory ?? MERCHANT_DIRECTORY;
  const match = directory.matchDescriptor(raw.name);
  if (match !== undefined) {
    return {
      groupId: merchantGroupIdOf(match.entry),
      name: match.entry.name,
      category: match.entry.category,
      emoji: match.entry.emoji,
      logoUrl: `${logoBaseUrl}/${match.entry.slug}.png`,
      matchedBy: 'directory',
    };
  }
  const category = categoryOfMcc(raw.mcc);
  return {
    groupId: undefined,
    name: cleanMerchantName(raw),
    category,
    emoji: CATEGORY_EMOJI[category],
    logoUrl: undefined,
    matchedBy: 'cleaned',
  };
}

function categoryOfMcc(text: string | undefined): FeedCategory {
  const parsed = parseMcc((text ?? '').trim());
  return parsed.kind === 'mcc' ? feedCategoryFor(parsed.mcc) : 'general';
}

const HTTPS_BASE = /^https:\/\/[^\s/?#@]+(?:\/[^\s?#]*)?$/;

/** The base without trailing slashes; throws on anything but a plain https URL (a config bug). */
function validatedLogoBaseUrl(base: string): string {
  if (!HTTPS_BASE.test(base)) {
    throw new Error(`logo base URL must be https without query or fragment, got "${base}"`);
  }
  return base.replace(/\/+$/, '');
}
