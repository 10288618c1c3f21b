import { sellerBehindPaymentFacilitator } from './payment-facilitator';
import { hygieneMerchantText, upperCaseSameLength } from './text-hygiene';

export interface MerchantNameFields {
  /** Merch_Name, or the name part of DE43. */
  readonly name: string;
  readonly city?: string;
  /** ISO 3166 alpha-2 or alpha-3, as the network sent it. */
  readonly country?: string;
}

/** Shown when the network sent no usable text at all; a fixed point of the cleaning itself. */
export const UNKNOWN_MERCHANT_NAME = 'Unknown Merchant';

/**
 * A display name for a merchant the directory does not know. Strips facilitator prefixes,
 * references after `*`, store numbers, a trailing branch in brackets, a trailing city or country
 * that repeats the address, and stray punctuation; then title-cases, keeping acronyms. Never
 * empty: when nothing survives, the hygiened raw text is returned as it came.
 */
export function cleanMerchantName(fields: MerchantNameFields): string {
  const hygiened = hygieneMerchantText(fields.name);
  const trailingPlaces = [fields.city, fields.country]
    .map((place) => upperCaseSameLength(hygieneMerchantText(place ?? '')))
    .filter((place) => place !== '');
  let stripped = upperCaseSameLength(hygiened);
  // Each pass either shortens the text or only swaps `_` for spaces, so length + 2 passes always
  // reach the fixed point; the bound is there so a mistake cannot loop forever.
  for (let pass = 0; pass <= hygiened.length + 1; pass += 1) {
    const next = stripOnce(stripped, trailingPlaces);
    if (next === stripped) {
      break;
    }
    stripped = next;
  }
  if (stripped !== '') {
    return titleCaseMerchantName(stripped);
  }
  return hygiened === '' ? UNKNOWN_MERCHANT_NAME : hygiened;
}

const ASTERISK_AND_AFTER = /\s*\*.*$/;
const LEADING_ASTERISKS = /^[*\s]+/;
const LEADING_WWW = /^WWW\./;
const TRAILING_BRACKETED = /\s*\([^()]*\)?$/;
const REPEATED_PUNCTUATION = /([^\p{L}\p{N}\s])\1+/gu;
const LEADING_PUNCTUATION = /^[\s\-_,;:/\\|+=~^#*"'&.!?)]+/;
const TRAILING_PUNCTUATION = /[\s\-_,;:/\\|+=~^#*"'&(.]+$/;
const UNDERSCORES = /_/g;
const WHITESPACE_RUN = /\s+/g;

function stripOnce(upper: string, trailingPlaces: readonly string[]): string {
  const steps: ((text: string) => string)[] = [
    (text) => sellerBehindPaymentFacilitator(text) ?? text,
    (text) => text.replace(LEADING_ASTERISKS, '').replace(LEADING_WWW, ''),
    (text) => text.replace(ASTERISK_AND_AFTER, ''),
    (text) => text.replace(TRAILING_BRACKETED, ''),
    (text) => withoutTrailingPlace(text, trailingPlaces),
    withoutTrailingReference,
    (text) =>
      text
        .replace(UNDERSCORES, ' ')
        .replace(REPEATED_PUNCTUATION, '$1')
        .replace(LEADING_PUNCTUATION, '')
        .replace(TRAILING_PUNCTUATION, ''),
  ];
  let text = upper;
  for (const step of steps) {
    // A step that would erase everything is skipped: what is left is still the best name.
    const next = step(text).replace(WHITESPACE_RUN, ' ').trim();
    if (next !== '') {
      text = next;
    }
  }
  return text;
}

function withoutTrailingPlace(text: string, places: readonly string[]): string {
  for (const place of places) {
    if (text.endsWith(` ${place}`)) {
      return text.slice(0, text.length - place.length - 1);
    }
  }
  return text;
}

const STORE_NUMBER = /^(?:(?:#|NO\.?)\d+|\d{2,})$/;
const DIGIT = /\d/g;
const LETTER = /\p{L}/u;

/** `TESCO STORES 2345` → `TESCO STORES`; `SPOTIFY P0A1B2C3` → `SPOTIFY`. One word per call. */
function withoutTrailingReference(text: string): string {
  const lastSpace = text.lastIndexOf(' ');
  if (lastSpace < 0) {
    return text;
  }
  const lastWord = text.slice(lastSpace + 1);
  return isReference(lastWord) ? text.slice(0, lastSpace) : text;
}

function isReference(word: string): boolean {
  if (STORE_NUMBER.test(word)) {
    return true;
  }
  // Letters mixed with two or more digits (`P0A1B2C3`, `AB12C3`) are references; `JET2`, `O2`,
  // `C2C` and `4TH` keep a single digit and stay.
  const digitCount = word.match(DIGIT)?.length ?? 0;
  return word.length >= 4 && digitCount >= 2 && LETTER.test(word);
}

/** Written in capitals whatever their shape. */
const ACRONYMS = new Set([
  'AA',
  'ATM',
  'BBC',
  'BP',
  'BT',
  'DHL',
  'DIY',
  'DPD',
  'DVLA',
  'EE',
  'EU',
  'GB',
  'GBR',
  'HMRC',
  'HSBC',
  'IKEA',
  'ITV',
  'NHS',
  'NYC',
  'O2',
  'PC',
  'RAC',
  'TFL',
  'TSB',
  'TUI',
  'TV',
  'UK',
  'UPS',
  'USA',
  'VAT',
  'YMCA',
]);
/** Consonant-only short words that are ordinary words, not acronyms. */
const NOT_ACRONYMS = new Set(['MR', 'MRS', 'MS', 'DR', 'ST', 'LTD', 'BROS', 'SQ', 'RD']);
const MINOR_WORDS = new Set([
  'A',
  'AN',
  'AND',
  'AT',
  'BY',
  'DE',
  'DI',
  'DU',
  'FOR',
  'IN',
  'LA',
  'LE',
  'OF',
  'ON',
  'THE',
  'TO',
]);
const VOWEL = /[AEIOUY]/;
const LATIN_LETTER = /[A-Z]/;
const DOMAIN = /^[A-Z0-9-]+(?:\.[A-Z0-9-]+)*\.(?:COM|CO\.UK|UK|NET|ORG|IO|EU|TV|APP)(?:\/.*)?$/;

/** Title case from an upper-cased name; the result upper-cases back to exactly its input. */
function titleCaseMerchantName(upper: string): string {
  return upper
    .split(' ')
    .map((word, index) => titleCaseWord(word, index === 0))
    .join(' ');
}

function titleCaseWord(word: string, isFirst: boolean): string {
  if (DOMAIN.test(word)) {
    const firstDot = word.indexOf('.');
    return titleCaseWord(word.slice(0, firstDot), true) + lowerCaseRoundTrip(word.slice(firstDot));
  }
  return word
    .split(/([-/])/)
    .map((part, index) => titleCasePart(part, isFirst || index > 0))
    .join('');
}

function titleCasePart(part: string, isFirst: boolean): string {
  const core = part.replace(/[^\p{L}\p{N}&]/gu, '');
  if (ACRONYMS.has(core) || core.includes('&') || isConsonantAbbreviation(core)) {
    return part;
  }
  if (!isFirst && MINOR_WORDS.has(core)) {
    return lowerCaseRoundTrip(part);
  }
  let result = '';
  let seenLetterOrDigit = false;
  for (let index = 0; index < part.length; index += 1) {
    const character = part.charAt(index);
    const capitalise =
      !seenLetterOrDigit ||
      (index === 2 && part.startsWith('MC') && part.length > 4) ||
      (index === 2 && part.charAt(1) === "'" && part.length > 3);
    result += capitalise ? character : lowerCaseRoundTrip(character);
    if (/[\p{L}\p{N}]/u.test(character)) {
      seenLetterOrDigit = true;
    }
  }
  return result;
}

function isConsonantAbbreviation(core: string): boolean {
  return (
    core.length >= 2 &&
    core.length <= 4 &&
    LATIN_LETTER.test(core) &&
    !VOWEL.test(core) &&
    !NOT_ACRONYMS.has(core)
  );
}

/** Lower-cases only characters that upper-case back to themselves, so the mapping is reversible. */
function lowerCaseRoundTrip(text: string): string {
  let result = '';
  for (const character of text) {
    const lower = character.toLowerCase();
    result +=
      lower.length === character.length && lower.toUpperCase() === character ? lower : character;
  }
  return result;
}
