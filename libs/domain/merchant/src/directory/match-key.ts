import { hygieneMerchantText, upperCaseSameLength } from '../cleaning/text-hygiene';

/**
 * A descriptor reduced for matching: upper case, accents removed, apostrophes dropped, split into
 * words of `[A-Z0-9&]`, and the words concatenated. `wordEnds` holds the offsets in `compact`
 * where a word ends (also where letters give way to digits, so `TESCO2345` ends a word at 5). A
 * pattern matches when it equals `compact` cut at one of those offsets: whole words only.
 */
export interface MatchKey {
  readonly compact: string;
  /** Ascending offsets into `compact`; the last one is `compact.length` when non-empty. */
  readonly wordEnds: readonly number[];
}

const ASCII_ONLY = /^[\u0000-\u007f]*$/;
const COMBINING_MARKS = /\p{M}/gu;
const APOSTROPHES = /['’`]/g;
const WORD = /[A-Z0-9&]+/g;
const LEADING_WWW = /^WWW\./;

export function matchKeyOf(text: string): MatchKey {
  const hygiened = hygieneMerchantText(text);
  const withoutAccents = ASCII_ONLY.test(hygiened)
    ? hygiened
    : hygiened.normalize('NFKD').replace(COMBINING_MARKS, '');
  const upper = upperCaseSameLength(withoutAccents)
    .replace(APOSTROPHES, '')
    .replace(LEADING_WWW, '');
  let compact = '';
  const wordEnds: number[] = [];
  for (const word of upper.match(WORD) ?? []) {
    for (let index = 1; index < word.length; index += 1) {
      if (isLetter(word[index - 1]) && isDigit(word[index])) {
        wordEnds.push(compact.length + index);
      }
    }
    compact += word;
    wordEnds.push(compact.length);
  }
  return { compact, wordEnds };
}

function isLetter(character: string | undefined): boolean {
  return character !== undefined && character >= 'A' && character <= 'Z';
}

function isDigit(character: string | undefined): boolean {
  return character !== undefined && character >= '0' && character <= '9';
}
