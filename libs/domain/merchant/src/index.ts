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
