/**
 * Merch_Name_DE43 (CARD-PROCESSOR.md §2.2, §2.3): a fixed-layout name/location field.
 * Mastercard: 22 name + space + 13 city + space + 3 state/country (40 characters).
 * Visa: 25 name + 13 city + 2 country (40 characters, no separators).
 * The network comes from the `traceid_lifecycle` prefix (`VIS…` / `MCC…`); when it is unknown or
 * the text does not fit the layout, the whole (cleaned) field is kept as the name.
 */
import { cleanFixedLayoutText, cleanText } from './text-hygiene';

export type CardNetwork = 'mastercard' | 'visa' | 'unknown';

export interface De43Parse {
  readonly layout: 'mastercard' | 'visa' | 'raw';
  readonly name: string;
  readonly city: string;
  readonly region: string;
}

const FIELD_LENGTH_MAX = 40;
const MERCHANT_TEXT_LENGTH_MAX = 40;

export function networkOfLifecycle(traceidLifecycle: string): CardNetwork {
  const prefix = traceidLifecycle.slice(0, 3).toUpperCase();
  if (prefix === 'VIS') {
    return 'visa';
  }
  if (prefix === 'MCC' || prefix === 'MCD' || prefix === 'MAS') {
    return 'mastercard';
  }
  return 'unknown';
}

export function parseDe43(raw: string, network: CardNetwork): De43Parse {
  const text = cleanFixedLayoutText(raw);
  const fallback: De43Parse = {
    layout: 'raw',
    name: cleanText(text, MERCHANT_TEXT_LENGTH_MAX),
    city: '',
    region: '',
  };
  if (text.length > FIELD_LENGTH_MAX) {
    return fallback;
  }
  // Trailing padding may have been trimmed by the processor; pad back to the full width.
  const padded = text.padEnd(FIELD_LENGTH_MAX, ' ');
  const layout = network === 'unknown' ? guessLayout(padded) : network;
  if (layout === 'mastercard' && padded[22] === ' ' && padded[36] === ' ') {
    return fitted('mastercard', padded.slice(0, 22), padded.slice(23, 36), padded.slice(37, 40));
  }
  if (layout === 'visa') {
    return fitted('visa', padded.slice(0, 25), padded.slice(25, 38), padded.slice(38, 40));
  }
  return fallback;

  function fitted(
    kind: 'mastercard' | 'visa',
    name: string,
    city: string,
    region: string,
  ): De43Parse {
    const parsed = {
      layout: kind,
      name: cleanText(name, MERCHANT_TEXT_LENGTH_MAX),
      city: cleanText(city, MERCHANT_TEXT_LENGTH_MAX),
      region: cleanText(region, MERCHANT_TEXT_LENGTH_MAX),
    };
    // A region must be letters (state or country code); anything else means a different layout.
    return parsed.name !== '' && /^[A-Za-z]{0,3}$/.test(parsed.region) ? parsed : fallback;
  }
}

/** Without a network hint, the Mastercard separators at 22 and 36 are the only reliable signal. */
function guessLayout(padded: string): 'mastercard' | 'raw' {
  return padded[22] === ' ' && padded[36] === ' ' && /^[A-Za-z]{2,3}\s*$/.test(padded.slice(37))
    ? 'mastercard'
    : 'raw';
}
