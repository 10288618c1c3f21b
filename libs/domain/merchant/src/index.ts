export {
  type FeedCategory,
  type FeedCategoryRange,
  FEED_CATEGORIES,
  FEED_CATEGORY_RANGES,
  feedCategoryFor,
} from './feed-category';
export {
  type Mcc,
  type MccEntry,
  type MccLookup,
  type MccParse,
  allMccEntries,
  lookupMcc,
  mccOf,
  parseMcc,
} from './mcc';
export {
  type MccGroup,
  MCC_GROUP_NAMES,
  MCC_GROUPS,
  isInMccGroup,
  mccGroupsOf,
} from './mcc-groups';
export {
  type EnrichMerchantOptions,
  type MerchantEnrichment,
  type RawMerchantFields,
  enrichMerchant,
} from './directory/enrich-merchant';
export {
  type DirectoryMatch,
  type MerchantDirectory,
  MERCHANT_DIRECTORY,
  createMerchantDirectory,
  merchantGroupIdOf,
} from './directory/merchant-directory';
export { type MerchantDirectoryEntry } from './directory/merchant-directory-entry';
export { CATEGORY_EMOJI } from './cleaning/category-emoji';
export {
  type MerchantNameFields,
  UNKNOWN_MERCHANT_NAME,
  cleanMerchantName,
} from './cleaning/clean-merchant-name';
export { MERCHANT_TEXT_LENGTH_MAX, hygieneMerchantText } from './cleaning/text-hygiene';
