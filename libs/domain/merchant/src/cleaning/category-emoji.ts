import type { FeedCategory } from '../feed-category';

/** The emoji a merchant gets when the directory does not know it: one per feed category. */
export const CATEGORY_EMOJI: Readonly<Record<FeedCategory, string>> = {
  general: '💳',
  eating_out: '🍽️',
  groceries: '🛒',
  transport: '🚆',
  shopping: '🛍️',
  bills: '🧾',
  entertainment: '🎉',
  holidays: '✈️',
  cash: '💵',
  expenses: '💼',
};
