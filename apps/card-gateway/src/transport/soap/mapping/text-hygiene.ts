/**
 * Merchant text can carry stray bytes (CARD-PROCESSOR.md §2.3, S5): strip C0/C1 controls and
 * unpaired surrogates, collapse whitespace runs, trim, and cap the length (in code points, so a
 * cap never splits a surrogate pair).
 */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;
const UNPAIRED_SURROGATES =
  /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const WHITESPACE_RUN = /\s+/g;

export function cleanText(raw: string, lengthMax: number): string {
  const cleaned = raw
    .replace(UNPAIRED_SURROGATES, '')
    .replace(CONTROL_CHARACTERS, ' ')
    .replace(WHITESPACE_RUN, ' ')
    .trim();
  const codePoints = Array.from(cleaned);
  return codePoints.length <= lengthMax
    ? cleaned
    : codePoints.slice(0, lengthMax).join('').trimEnd();
}

/**
 * For fixed-layout fields (DE43): each stray control or unpaired surrogate becomes one space, so
 * the column positions that carry the layout do not shift.
 */
export function cleanFixedLayoutText(raw: string): string {
  return raw.replace(UNPAIRED_SURROGATES, ' ').replace(CONTROL_CHARACTERS, ' ');
}
