import type { MessageHeaders } from '../envelope/envelope';

/**
 * Engine-neutral message shapes used by the shared delivery logic. Adapters convert their
 * engine's records (a kafkajs message, a SQLite row) to and from these.
 */
export interface InboundMessage {
  readonly topic: string;
  readonly partition: number;
  /** Position in the partition; the committed position is the offset after the last done one. */
  readonly offset: bigint;
  /** Null only for foreign messages published without a key. */
  readonly key: string | null;
  readonly value: Buffer;
  readonly headers: MessageHeaders;
}

export interface OutboundMessage {
  readonly key: string | null;
  readonly value: Buffer;
  readonly headers: MessageHeaders;
}

/** A committed consumer position: the next offset the group will read in that partition. */
export interface CommitPosition {
  readonly topic: string;
  readonly partition: number;
  readonly nextOffset: bigint;
}
