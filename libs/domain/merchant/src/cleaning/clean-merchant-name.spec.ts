import fc from 'fast-check';
import { PAYMENT_FACILITATOR_CODES } from './payment-facilitator';
import { UNKNOWN_MERCHANT_NAME, cleanMerchantName } from './clean-merchant-name';
import { hygieneMerchantText } from './text-hygiene';

/** Slack for the fixed fallback name when the input has no usable text at all. */
const FALLBACK_LENGTH_SLACK = UNKNOWN_MERCHANT_NAME.length;
const CONTROL_OR_INVISIBLE =
  /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/;
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Descriptor-shaped text: words, store numbers, facilitator prefixes, `*` refs, junk bytes. */
const descriptorPiece = fc.oneof(
  fc.constantFrom(
    'TESCO',
    'JOES',
    'CAFE',
    "O'NEILLS",
    'M&S',
    'TFL',
    'MCKAY',
    'THE',
    'OF',
    'ß',
    'İ',
    'K',
  ),
  fc.constantFrom(...PAYMENT_FACILITATOR_CODES.map((code) => `${code} *`)),
  fc.stringMatching(/^#?\d{1,6}$/),
  fc.stringMatching(/^[A-Z0-9]{4,10}$/),
  fc.constantFrom(
    '*',
    '**',
    '(',
    ')',
    '(KINGS X)',
    '_',
    '-',
    '.',
    '!!',
    '&',
    '/',
    'WWW.',
    '.CO.UK',
  ),
  fc.constantFrom('\u0000', '\u0007', '\u009f', '\u200b', '\ud800', '\udc00', '\t', '\n'),
  fc.string({ unit: 'binary', maxLength: 6 }),
);
const descriptor = fc.oneof(
  fc.array(descriptorPiece, { maxLength: 8 }).chain((pieces) =>
    fc
      .array(fc.constantFrom(' ', '', '  '), {
        minLength: pieces.length,
        maxLength: pieces.length,
      })
      .map((gaps) => pieces.map((piece, index) => piece + gaps[index]).join('')),
  ),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);
const place = fc.option(fc.oneof(fc.constantFrom('LONDON', 'GBR', 'GB', 'KINGS X'), descriptor), {
  nil: undefined,
});
const fields = fc.record({ name: descriptor, city: place, country: place });

const PROPERTY_RUNS = { numRuns: 1000 };

describe('cleanMerchantName properties', () => {
  it('is idempotent', () => {
    fc.assert(
      fc.property(fields, (input) => {
        const once = cleanMerchantName(input);
        expect(cleanMerchantName({ ...input, name: once })).toBe(once);
      }),
      PROPERTY_RUNS,
    );
  });

  it('is never empty and never much longer than its input', () => {
    fc.assert(
      fc.property(fields, (input) => {
        const cleaned = cleanMerchantName(input);
        expect(cleaned.trim()).not.toBe('');
        expect(cleaned.length).toBeLessThanOrEqual(input.name.length + FALLBACK_LENGTH_SLACK);
      }),
      PROPERTY_RUNS,
    );
  });

  it('never contains control characters, invisible format characters or unpaired surrogates', () => {
    fc.assert(
      fc.property(fields, (input) => {
        const cleaned = cleanMerchantName(input);
        expect(cleaned).not.toMatch(CONTROL_OR_INVISIBLE);
        expect(cleaned).not.toMatch(UNPAIRED_SURROGATE);
      }),
      PROPERTY_RUNS,
    );
  });

  it('falls back to the hygiened raw text when stripping leaves nothing', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[*#\d ]{1,12}$/), (name) => {
        const hygiened = hygieneMerchantText(name);
        const cleaned = cleanMerchantName({ name });
        expect(cleaned).toBe(hygiened === '' ? UNKNOWN_MERCHANT_NAME : cleaned);
        expect(cleaned).not.toBe('');
      }),
      PROPERTY_RUNS,
    );
  });
});

describe('cleanMerchantName examples', () => {
  it.each([
    [{ name: 'SQ *JOES CAFE' }, 'Joes Cafe'],
    [{ name: 'SUMUP  *  HARBOUR FISH BAR' }, 'Harbour Fish Bar'],
    [{ name: 'PAYPAL *CRAFTYBOX' }, 'Craftybox'],
    [{ name: 'PP*ONLINE RECORDS' }, 'Online Records'],
    [{ name: 'CRV*THE PIG & WHISTLE' }, 'The Pig & Whistle'],
    [{ name: 'WIDGETS DIRECT*INV 99812' }, 'Widgets Direct'],
    [{ name: 'BAKERY 0042' }, 'Bakery'],
    [{ name: 'BAKERY #42' }, 'Bakery'],
    [{ name: 'FIVE STAR 1' }, 'Five Star 1'],
    [{ name: 'MARKET STALL PX1Q9Z22' }, 'Market Stall'],
    [{ name: 'JET2 HOLIDAYS SHOP' }, 'Jet2 Holidays Shop'],
    [{ name: 'HOLLY CAFE MANCHESTER', city: 'MANCHESTER' }, 'Holly Cafe'],
    [{ name: 'HOLLY CAFE MANCHESTER', city: 'Manchester' }, 'Holly Cafe'],
    [{ name: 'MANCHESTER', city: 'MANCHESTER' }, 'Manchester'],
    [{ name: 'SEASIDE ARCADE GBR', country: 'GBR' }, 'Seaside Arcade'],
    [{ name: 'THE KINGS HEAD (ISLINGTON)' }, 'The Kings Head'],
    [{ name: 'ROSE & CROWN' }, 'Rose & Crown'],
    [{ name: 'BHS OUTLET UK' }, 'BHS Outlet UK'],
    [{ name: 'MCKAYS OF THE GLEN' }, 'McKays of the Glen'],
    [{ name: 'THE OLD BELL' }, 'The Old Bell'],
    [{ name: 'ST JAMES NEWS' }, 'St James News'],
    [{ name: 'WWW.TEAPOTS.COM' }, 'Teapots.com'],
    [{ name: '---HELLO___WORLD...' }, 'Hello World'],
    [{ name: '  strasse\u00df  café ' }, 'Strasseß Café'],
    [{ name: '\u202eEVIL\u200b SHOP\u0000' }, 'Evil Shop'],
    [{ name: '***' }, '***'],
    [{ name: '' }, UNKNOWN_MERCHANT_NAME],
  ])('%j → %s', (input, expected) => {
    expect(cleanMerchantName(input)).toBe(expected);
  });
});
