/**
 * A broken invariant is a bug (STYLE §6, kind 3): the process must crash rather than persist a
 * wrong balance. Plain `Error`, never caught by the ledger's own code.
 */
export class LedgerInvariantViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerInvariantViolation';
  }
}

export function assertInvariant(condition: boolean, message: string): asserts condition {
  if (!condition) {
    throw new LedgerInvariantViolation(message);
  }
}
