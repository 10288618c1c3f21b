import { CATEGORY_EMOJI } from '../cleaning/category-emoji';
import type { FeedCategory } from '../feed-category';
import { type RawMerchantFields, enrichMerchant } from './enrich-merchant';

const LOGO_BASE_URL = 'https://cdn.corebank.test/merchant-logos';

type Expected =
  | { readonly directory: string; readonly name: string; readonly category: FeedCategory }
  | { readonly cleaned: string; readonly category: FeedCategory };

/** Descriptors as networks send them (DE43 name part or Merch_Name), with city and MCC. */
const CASES: readonly (readonly [RawMerchantFields, Expected])[] = [
  // Directory hits
  [
    { name: 'TFL.GOV.UK/CP', city: 'TFL.GOV.UK', mcc: '4111' },
    { directory: 'tfl', name: 'TfL', category: 'transport' },
  ],
  [
    { name: 'TFL TRAVEL CH', city: 'LONDON', mcc: '4111' },
    { directory: 'tfl', name: 'TfL', category: 'transport' },
  ],
  [
    { name: 'PRET A MANGER', city: 'LONDON', mcc: '5814' },
    { directory: 'pret-a-manger', name: 'Pret A Manger', category: 'eating_out' },
  ],
  [
    { name: 'PRET A MANGER (KINGS X)', city: 'LONDON', mcc: '5814' },
    { directory: 'pret-a-manger', name: 'Pret A Manger', category: 'eating_out' },
  ],
  [
    { name: 'AMAZON.CO.UK*AB12C3DE4', city: 'AMAZON.CO.UK', mcc: '5942' },
    { directory: 'amazon', name: 'Amazon', category: 'shopping' },
  ],
  [
    { name: 'AMZN MKTP UK', city: 'AMAZON.CO.UK', mcc: '5942' },
    { directory: 'amazon', name: 'Amazon', category: 'shopping' },
  ],
  [
    { name: 'AMZNMKTPLACE', city: 'AMAZON.CO.UK', mcc: '5999' },
    { directory: 'amazon', name: 'Amazon', category: 'shopping' },
  ],
  [
    { name: 'Amazon Prime*RT4YU89K1', city: 'amzn.co.uk/pm', mcc: '5968' },
    { directory: 'amazon-prime', name: 'Amazon Prime', category: 'entertainment' },
  ],
  [
    { name: 'SAINSBURYS S/MKTS', city: 'CAMDEN', mcc: '5411' },
    { directory: 'sainsburys', name: "Sainsbury's", category: 'groceries' },
  ],
  [
    { name: "SAINSBURY'S LOCAL 2211", city: 'LEEDS', mcc: '5411' },
    { directory: 'sainsburys', name: "Sainsbury's", category: 'groceries' },
  ],
  [
    { name: 'TESCO STORES 2345', city: 'BRISTOL', mcc: '5411' },
    { directory: 'tesco', name: 'Tesco', category: 'groceries' },
  ],
  [
    { name: 'TESCO PFS 4412', city: 'READING', mcc: '5541' },
    { directory: 'tesco', name: 'Tesco', category: 'groceries' },
  ],
  [
    { name: 'TESCO MOBILE', city: '0345 301 4455', mcc: '4814' },
    { directory: 'tesco-mobile', name: 'Tesco Mobile', category: 'bills' },
  ],
  [
    { name: 'MCDONALDS 1234', city: 'MANCHESTER', mcc: '5814' },
    { directory: 'mcdonalds', name: "McDonald's", category: 'eating_out' },
  ],
  [
    { name: 'UBER *TRIP', city: 'HELP.UBER.COM', mcc: '4121' },
    { directory: 'uber', name: 'Uber', category: 'transport' },
  ],
  [
    { name: 'UBER *EATS', city: 'HELP.UBER.COM', mcc: '5812' },
    { directory: 'uber-eats', name: 'Uber Eats', category: 'eating_out' },
  ],
  [
    { name: 'NETFLIX.COM', city: 'AMSTERDAM', mcc: '4899' },
    { directory: 'netflix', name: 'Netflix', category: 'entertainment' },
  ],
  [
    { name: 'SPOTIFY P0A1B2C3', city: 'STOCKHOLM', mcc: '5815' },
    { directory: 'spotify', name: 'Spotify', category: 'entertainment' },
  ],
  [
    { name: 'APPLE.COM/BILL', city: 'ITUNES.COM', mcc: '5735' },
    { directory: 'apple-services', name: 'Apple Services', category: 'entertainment' },
  ],
  [
    { name: 'APPLE STORE R245', city: 'LONDON', mcc: '5732' },
    { directory: 'apple', name: 'Apple', category: 'shopping' },
  ],
  [
    { name: 'GOOGLE *YouTube', city: 'g.co/helppay#', mcc: '5815' },
    { directory: 'youtube', name: 'YouTube', category: 'entertainment' },
  ],
  [
    { name: 'GOOGLE *Google Storage', city: 'g.co/helppay#', mcc: '5734' },
    { directory: 'google', name: 'Google', category: 'bills' },
  ],
  [
    { name: 'COSTA COFFEE 43012', city: 'GUILDFORD', mcc: '5814' },
    { directory: 'costa', name: 'Costa Coffee', category: 'eating_out' },
  ],
  [
    { name: 'STARBUCKS', city: 'LONDON', mcc: '5814' },
    { directory: 'starbucks', name: 'Starbucks', category: 'eating_out' },
  ],
  [
    { name: 'GREGGS', city: 'NEWCASTLE', mcc: '5462' },
    { directory: 'greggs', name: 'Greggs', category: 'eating_out' },
  ],
  [
    { name: 'BOOTS', city: 'NOTTINGHAM', mcc: '5912' },
    { directory: 'boots', name: 'Boots', category: 'shopping' },
  ],
  [
    { name: 'WH SMITH', city: 'EUSTON', mcc: '5994' },
    { directory: 'whsmith', name: 'WHSmith', category: 'shopping' },
  ],
  [
    { name: 'JOHN LEWIS', city: 'OXFORD ST', mcc: '5311' },
    { directory: 'john-lewis', name: 'John Lewis', category: 'shopping' },
  ],
  [
    { name: 'M&S SIMPLY FOOD', city: 'WATERLOO', mcc: '5411' },
    { directory: 'marks-and-spencer', name: 'M&S', category: 'groceries' },
  ],
  [
    { name: 'MARKS&SPENCER', city: 'PLC', mcc: '5311' },
    { directory: 'marks-and-spencer', name: 'M&S', category: 'groceries' },
  ],
  [
    { name: 'DELIVEROO', city: 'LONDON', mcc: '5812' },
    { directory: 'deliveroo', name: 'Deliveroo', category: 'eating_out' },
  ],
  [
    { name: 'JUST EAT', city: 'LONDON', mcc: '5814' },
    { directory: 'just-eat', name: 'Just Eat', category: 'eating_out' },
  ],
  [
    { name: 'TRAINLINE', city: 'LONDON', mcc: '4112' },
    { directory: 'trainline', name: 'Trainline', category: 'transport' },
  ],
  [
    { name: 'PAYPAL *', city: '35314369001', mcc: '5999' },
    { directory: 'paypal', name: 'PayPal', category: 'general' },
  ],
  [
    { name: 'PAYPAL *NETFLIX', city: '35314369001', mcc: '4899' },
    { directory: 'netflix', name: 'Netflix', category: 'entertainment' },
  ],
  [
    { name: 'CAFFE NERO 0542', city: 'BATH', mcc: '5814' },
    { directory: 'caffe-nero', name: 'Caffè Nero', category: 'eating_out' },
  ],
  [
    { name: 'JD WETHERSPOON', city: 'CROYDON', mcc: '5813' },
    { directory: 'wetherspoon', name: 'Wetherspoon', category: 'eating_out' },
  ],
  [
    { name: 'SHELL ALPHA 24', city: 'SLOUGH', mcc: '5541' },
    { directory: 'shell', name: 'Shell', category: 'transport' },
  ],
  [
    { name: 'EASYJET000 EJ4X9T', city: 'LUTON', mcc: '3245' },
    { directory: 'easyjet', name: 'easyJet', category: 'holidays' },
  ],
  [
    { name: 'BOOKING.COM', city: 'AMSTERDAM', mcc: '4722' },
    { directory: 'booking-com', name: 'Booking.com', category: 'holidays' },
  ],
  [
    { name: 'CO-OP GROUP 070552', city: 'LEEDS', mcc: '5411' },
    { directory: 'co-op', name: 'Co-op', category: 'groceries' },
  ],
  [
    { name: 'LIDL GB BRIGHTON', city: 'BRIGHTON', mcc: '5411' },
    { directory: 'lidl', name: 'Lidl', category: 'groceries' },
  ],
  [
    { name: 'SQ *GREGGS', city: 'LEEDS', mcc: '5462' },
    { directory: 'greggs', name: 'Greggs', category: 'eating_out' },
  ],
  [
    { name: 'HSBC ATM 4412', city: 'LONDON', mcc: '6011' },
    { directory: 'hsbc', name: 'HSBC', category: 'cash' },
  ],
  [
    { name: 'DVLA-VEHICLE TAX', city: 'SWANSEA', mcc: '9399' },
    { directory: 'dvla', name: 'DVLA', category: 'bills' },
  ],
  [
    { name: 'VODAFONE LTD', city: 'NEWBURY', mcc: '4814' },
    { directory: 'vodafone', name: 'Vodafone', category: 'bills' },
  ],
  // Unknown merchants: cleaned names, MCC categories
  [
    { name: 'SQ *JOES CAFE', city: 'LONDON', mcc: '5814' },
    { cleaned: 'Joes Cafe', category: 'eating_out' },
  ],
  [
    { name: 'SUMUP *THE OLD RED LION 0123', city: 'YORK', mcc: '5813' },
    { cleaned: 'The Old Red Lion', category: 'eating_out' },
  ],
  [
    { name: 'IZ *MCKENZIES BAKERY', city: 'EDINBURGH', mcc: '5462' },
    { cleaned: 'McKenzies Bakery', category: 'groceries' },
  ],
  [
    { name: 'ZTL*KATIES FLOWERS', city: 'BATH', mcc: '5992' },
    { cleaned: 'Katies Flowers', category: 'shopping' },
  ],
  [
    { name: 'SP * NORTHERN TAILORS', city: 'HTTPS://NTAILOR', mcc: '5691' },
    { cleaned: 'Northern Tailors', category: 'shopping' },
  ],
  [
    { name: 'TST* THE HUNGRY FOX', city: 'LEEDS', mcc: '5812' },
    { cleaned: 'The Hungry Fox', category: 'eating_out' },
  ],
  [
    { name: 'THE BLUE POSTS 12', city: 'SOHO', mcc: '5813' },
    { cleaned: 'The Blue Posts', category: 'eating_out' },
  ],
  [
    { name: "O'NEILLS LONDON", city: 'LONDON', mcc: '5813' },
    { cleaned: "O'Neills", category: 'eating_out' },
  ],
  [
    { name: 'ANGEL NEWS #0042', city: 'ISLINGTON', mcc: '5994' },
    { cleaned: 'Angel News', category: 'shopping' },
  ],
  [
    { name: 'WWW.KITCHENSTUFF.CO.UK', city: '01632960123', mcc: '5719' },
    { cleaned: 'Kitchenstuff.co.uk', category: 'shopping' },
  ],
  [
    { name: 'BOOTSTRAP LTD', city: 'CAMBRIDGE', mcc: '7372' },
    { cleaned: 'Bootstrap Ltd', category: 'expenses' },
  ],
  [
    { name: 'PRETTY NAILS', city: 'HACKNEY', mcc: '7230' },
    { cleaned: 'Pretty Nails', category: 'general' },
  ],
  [
    { name: 'CITY OF LONDON CORP', city: 'LONDON', mcc: '9399' },
    { cleaned: 'City of London Corp', category: 'bills' },
  ],
  [
    { name: 'DR SMITH DENTAL', city: 'LEEDS', mcc: '8021' },
    { cleaned: 'Dr Smith Dental', category: 'general' },
  ],
  [
    { name: 'PARK-N-GO PARKING??', city: 'DERBY', mcc: '7523' },
    { cleaned: 'Park-N-Go Parking?', category: 'transport' },
  ],
  [
    { name: 'BRIXTON CYCLES*ORDER 5512', city: 'LONDON', mcc: '5940' },
    { cleaned: 'Brixton Cycles', category: 'shopping' },
  ],
  [
    { name: 'KWIK FIT 0091 (SLOUGH)', city: 'SLOUGH', mcc: '7538' },
    { cleaned: 'Kwik Fit', category: 'transport' },
  ],
  [
    { name: 'LOCAL__BUTCHER!!!', city: 'HULL', mcc: '5411' },
    { cleaned: 'Local Butcher!', category: 'groceries' },
  ],
  [
    { name: 'GAMBLE HOUSE BETS 77', city: 'LIVERPOOL', mcc: '7995' },
    { cleaned: 'Gamble House Bets', category: 'entertainment' },
  ],
  [
    { name: 'FISH & CHIPS NO 1', city: 'WHITBY', mcc: '5814' },
    { cleaned: 'Fish & Chips No 1', category: 'eating_out' },
  ],
  [
    { name: 'BUREAU DE CHANGE GBR', city: 'HEATHROW', country: 'GBR', mcc: '6051' },
    { cleaned: 'Bureau de Change', category: 'cash' },
  ],
  [
    { name: 'CORNER SHOP\u0000\u0007', city: 'LUTON', mcc: 'ABCD' },
    { cleaned: 'Corner Shop', category: 'general' },
  ],
  [
    { name: '\u0001\u0002', city: 'LUTON' },
    { cleaned: 'Unknown Merchant', category: 'general' },
  ],
  [
    { name: '123456', city: 'LUTON', mcc: '5999' },
    { cleaned: '123456', category: 'shopping' },
  ],
];

describe('enrichMerchant over realistic descriptors', () => {
  it('has a large enough table', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
  });

  it.each(CASES)('%j', (raw, expected) => {
    const enrichment = enrichMerchant(raw, { logoBaseUrl: LOGO_BASE_URL });
    if ('directory' in expected) {
      expect(enrichment).toEqual({
        groupId: `grp_${expected.directory}`,
        name: expected.name,
        category: expected.category,
        emoji: expect.any(String) as unknown,
        logoUrl: `${LOGO_BASE_URL}/${expected.directory}.png`,
        matchedBy: 'directory',
      });
    } else {
      expect(enrichment).toEqual({
        groupId: undefined,
        name: expected.cleaned,
        category: expected.category,
        emoji: CATEGORY_EMOJI[expected.category],
        logoUrl: undefined,
        matchedBy: 'cleaned',
      });
    }
  });
});

describe('enrichMerchant options', () => {
  it('joins the logo base without doubling slashes', () => {
    const enrichment = enrichMerchant(
      { name: 'GREGGS' },
      { logoBaseUrl: 'https://cdn.test/a/b//' },
    );
    expect(enrichment.logoUrl).toBe('https://cdn.test/a/b/greggs.png');
  });

  it.each(['http://cdn.test', 'cdn.test/logos', 'https://cdn.test/logos?v=1', ''])(
    'refuses the logo base %j',
    (logoBaseUrl) => {
      expect(() => enrichMerchant({ name: 'GREGGS' }, { logoBaseUrl })).toThrow(/https/);
    },
  );

  it('uses the directory category even when the MCC says otherwise', () => {
    const enrichment = enrichMerchant(
      { name: 'TESCO PFS 4412', mcc: '5541' },
      { logoBaseUrl: LOGO_BASE_URL },
    );
    expect(enrichment.category).toBe('groceries');
  });
});
