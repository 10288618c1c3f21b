import { createHash } from 'node:crypto';

/**
 * Derives a ledger id (decimal string of a positive 63-bit integer) from a seed such as
 * `txn:<TXn_ID>:hold`. The same seed always yields the same id, which is what makes ledger
 * effects idempotent across replays and crashes (CARD-PROCESSOR.md §6.1). SHA-256 makes an
 * accidental collision between two seeds negligible (2^-63 per pair).
 */
export function deriveLedgerId(seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  const value = digest.readBigUInt64BE(0) & 0x7fff_ffff_ffff_ffffn;
  return (value === 0n ? 1n : value).toString();
}
