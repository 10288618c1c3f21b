/**
 * The category a card payment shows under in the customer's feed, derived from its MCC. The
 * customer can recategorise a single transaction later; this is only the default.
 */
import type { Mcc } from './mcc';

export const FEED_CATEGORIES = [
  'general',
  'eating_out',
  'groceries',
  'transport',
  'shopping',
  'bills',
  'entertainment',
  'holidays',
  'cash',
  'expenses',
] as const;

export type FeedCategory = (typeof FEED_CATEGORIES)[number];

export interface FeedCategoryRange {
  /** Inclusive bounds, as four-digit strings so they compare like the codes themselves. */
  readonly first: string;
  readonly last: string;
  readonly category: FeedCategory;
}

/**
 * Non-overlapping, sorted ranges (a test checks both). Codes not covered are `general`. The
 * choices follow the card schemes' MCC groupings, with a few deliberate calls noted inline.
 */
export const FEED_CATEGORY_RANGES: readonly FeedCategoryRange[] = [
  // Contracted services and wholesale-like trades (0742–2999) stay general.
  { first: '3000', last: '3350', category: 'holidays' }, // airlines by name
  { first: '3351', last: '3500', category: 'transport' }, // car rental companies by name
  { first: '3501', last: '3999', category: 'holidays' }, // hotels and lodging by name
  { first: '4011', last: '4131', category: 'transport' }, // rail, commuter, taxis, buses
  // 4119 ambulance sits inside the transport block above; the feed has no health category.
  { first: '4411', last: '4411', category: 'holidays' }, // cruise lines
  { first: '4457', last: '4468', category: 'entertainment' }, // boat rentals, marinas
  { first: '4511', last: '4582', category: 'holidays' }, // airlines, airports
  { first: '4722', last: '4723', category: 'holidays' }, // travel agents, package tours
  { first: '4784', last: '4789', category: 'transport' }, // tolls, other transport
  { first: '4812', last: '4812', category: 'shopping' }, // phone equipment sales
  { first: '4814', last: '4821', category: 'bills' }, // telecoms, networks
  { first: '4829', last: '4829', category: 'cash' }, // wire transfer / money orders (quasi-cash)
  { first: '4899', last: '4900', category: 'bills' }, // pay TV, utilities
  { first: '5000', last: '5199', category: 'expenses' }, // wholesale / business supplies
  { first: '5200', last: '5299', category: 'shopping' }, // home supply, hardware, garden
  { first: '5300', last: '5300', category: 'groceries' }, // wholesale clubs
  { first: '5309', last: '5399', category: 'shopping' }, // duty free, department stores
  { first: '5411', last: '5499', category: 'groceries' }, // supermarkets, bakeries, convenience
  { first: '5511', last: '5530', category: 'shopping' }, // car dealers
  { first: '5531', last: '5542', category: 'transport' }, // car parts, tyres, fuel
  { first: '5543', last: '5599', category: 'shopping' }, // boat/motorcycle/other dealers
  { first: '5600', last: '5799', category: 'shopping' }, // clothing, furniture, electronics
  { first: '5811', last: '5814', category: 'eating_out' }, // caterers, restaurants, bars, fast food
  { first: '5815', last: '5818', category: 'entertainment' }, // digital media, games, apps
  { first: '5832', last: '5959', category: 'shopping' }, // pharmacies, antiques, sports, books
  { first: '5960', last: '5960', category: 'bills' }, // direct marketing insurance
  { first: '5961', last: '5961', category: 'shopping' }, // mail order
  { first: '5962', last: '5962', category: 'holidays' }, // direct marketing travel
  { first: '5963', last: '5967', category: 'shopping' }, // door-to-door, catalogue, telesales
  { first: '5968', last: '5968', category: 'bills' }, // subscriptions
  { first: '5969', last: '5982', category: 'shopping' }, // other direct marketing, craft, cosmetics
  { first: '5983', last: '5983', category: 'bills' }, // heating fuel
  { first: '5984', last: '5999', category: 'shopping' }, // florists, pets, specialty retail
  { first: '6010', last: '6011', category: 'cash' }, // cash withdrawals (counter, ATM)
  { first: '6051', last: '6051', category: 'cash' }, // foreign currency, travellers cheques
  { first: '6300', last: '6399', category: 'bills' }, // insurance premiums
  { first: '6513', last: '6513', category: 'bills' }, // rent via agents
  { first: '6540', last: '6540', category: 'cash' }, // stored-value card loads (quasi-cash)
  { first: '7011', last: '7033', category: 'holidays' }, // hotels, timeshares, camps
  { first: '7311', last: '7399', category: 'expenses' }, // business services
  { first: '7511', last: '7549', category: 'transport' }, // truck stops, car rental, parking, repair
  { first: '7800', last: '7999', category: 'entertainment' }, // lotteries, cinemas, sport, betting
  { first: '8211', last: '8351', category: 'bills' }, // schools, childcare
  { first: '8911', last: '8931', category: 'expenses' }, // engineering, accounting
  { first: '9211', last: '9405', category: 'bills' }, // courts, fines, tax, government services
  { first: '9406', last: '9406', category: 'entertainment' }, // government lotteries (non-US)
  { first: '9950', last: '9950', category: 'expenses' }, // intra-company purchases
];

/** Total: every four-digit code gets a category, `general` when no range covers it. */
export function feedCategoryFor(mcc: Mcc): FeedCategory {
  for (const range of FEED_CATEGORY_RANGES) {
    if (mcc >= range.first && mcc <= range.last) {
      return range.category;
    }
  }
  return 'general';
}
