/**
 * Snowflake ids (ARCHITECTURE §9): 41 bits of ms since the project epoch, 10 bits of worker id,
 * 12 bits of sequence. BigInt inside, decimal strings outside.
 */
export interface IdGenerator {
  /** Throws PlatformError `unavailable.id_worker_lease` once the worker lease is lost. */
  nextId(): string;
  nextBigInt(): bigint;
}

export const ID_GENERATOR = Symbol('ID_GENERATOR');
