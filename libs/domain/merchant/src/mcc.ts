/**
 * Merchant category codes (ISO 18245) as they arrive in `MCC_Code`: four digits, leading zeros
 * significant ('0742' and '742' are different strings, and only the first is valid).
 */
import { MCC_ROWS } from './generated/mcc.generated';

declare const mccBrand: unique symbol;

/** A syntactically valid MCC: exactly four ASCII digits. It may or may not be in our table. */
export type Mcc = string & { readonly [mccBrand]: 'Mcc' };

export interface MccEntry {
  readonly mcc: Mcc;
  readonly description: string;
}

export type MccParse = { readonly kind: 'mcc'; readonly mcc: Mcc } | { readonly kind: 'invalid' };

/**
 * `unlisted` is a well-formed code our pinned list does not describe (networks add codes, e.g.
 * 6540 or 9406); callers still use it for categories and groups, just without a description.
 */
export type MccLookup =
  | { readonly kind: 'listed'; readonly entry: MccEntry }
  | { readonly kind: 'unlisted'; readonly mcc: Mcc };

const MCC_PATTERN = /^\d{4}$/;

const entries: readonly MccEntry[] = MCC_ROWS.map((row) => ({
  mcc: row.mcc as Mcc,
  description: row.description,
}));
const entryByMcc = new Map(entries.map((entry) => [entry.mcc, entry]));

/** Accepts exactly four digits; trims nothing, because padding on the wire is a format error. */
export function parseMcc(text: string): MccParse {
  return MCC_PATTERN.test(text) ? { kind: 'mcc', mcc: text as Mcc } : { kind: 'invalid' };
}

/** For codes written in source or trusted config (`mccOf('5411')`); throws when malformed. */
export function mccOf(text: string): Mcc {
  const parsed = parseMcc(text);
  if (parsed.kind !== 'mcc') {
    throw new Error(`"${text}" is not a four-digit MCC`);
  }
  return parsed.mcc;
}

export function lookupMcc(mcc: Mcc): MccLookup {
  const entry = entryByMcc.get(mcc);
  return entry === undefined ? { kind: 'unlisted', mcc } : { kind: 'listed', entry };
}

/** Every listed code, sorted. */
export function allMccEntries(): readonly MccEntry[] {
  return entries;
}
