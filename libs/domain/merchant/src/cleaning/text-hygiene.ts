/**
 * Merchant text can carry stray bytes (CARD-PROCESSOR.md §2.3): strip C0/C1 controls, invisible
 * format characters (zero-width, bidi overrides, BOM) and unpaired surrogates, collapse
 * whitespace, trim, and cap the length in code points so a cap never splits a surrogate pair.
 */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;
const INVISIBLE_FORMAT_CHARACTERS = /[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g;
const UNPAIRED_SURROGATES =
  /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const WHITESPACE_RUN = /\s+/g;
const ASCII_ONLY = /^[\u0000-\u007f]*$/;

/** Longer than any scheme's merchant name field (DE43 name is 22–25, Merch_Name up to 40ish). */
export const MERCHANT_TEXT_LENGTH_MAX = 64;

export function hygieneMerchantText(raw: string, lengthMax = MERCHANT_TEXT_LENGTH_MAX): string {
  // Most descriptors are plain ASCII, which can hold neither surrogates nor format characters.
  const visible = ASCII_ONLY.test(raw)
    ? raw
    : raw.replace(UNPAIRED_SURROGATES, '').replace(INVISIBLE_FORMAT_CHARACTERS, '');
  const cleaned = visible.replace(CONTROL_CHARACTERS, ' ').replace(WHITESPACE_RUN, ' ').trim();
  // A string never has more code points than UTF-16 units, so short ones skip the split.
  if (cleaned.length <= lengthMax) {
    return cleaned;
  }
  const codePoints = Array.from(cleaned);
  return codePoints.length <= lengthMax
    ? cleaned
    : codePoints.slice(0, lengthMax).join('').trimEnd();
}

/**
 * Upper-cases code point by code point, keeping any character whose upper form has a different
 * length (`ß` → `SS`), so case changes never lengthen a name and stay reversible by position.
 */
export function upperCaseSameLength(text: string): string {
  return mapSameLength(text, (character) => character.toUpperCase());
}

export function lowerCaseSameLength(text: string): string {
  return mapSameLength(text, (character) => character.toLowerCase());
}

function mapSameLength(text: string, map: (character: string) => string): string {
  if (ASCII_ONLY.test(text)) {
    return map(text);
  }
  let mapped = '';
  for (const character of text) {
    const candidate = map(character);
    mapped += candidate.length === character.length ? candidate : character;
  }
  return mapped;
}
