import type { IHeaders, KafkaMessage, Message } from 'kafkajs';

import type { InboundMessage, OutboundMessage } from '../delivery/messages';
import type { MessageHeaders } from '../envelope/envelope';

/**
 * kafkajs hands headers over as Buffers (or arrays of them when a header repeats). Our headers
 * are single-valued text; for a repeated header the last value wins, as in most Kafka tooling.
 */
export function decodeKafkaHeaders(headers: IHeaders | undefined): MessageHeaders {
  const decoded: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value !== undefined) {
      decoded[name] = Buffer.isBuffer(value) ? value.toString('utf8') : value;
    }
  }
  return decoded;
}

/** A fetched Kafka record in the engine-neutral form the shared delivery logic takes. */
export function toInboundMessage(
  topic: string,
  partition: number,
  message: KafkaMessage,
): InboundMessage {
  return {
    topic,
    partition,
    offset: BigInt(message.offset),
    key: message.key === null ? null : message.key.toString('utf8'),
    // A tombstone (null value) is not an event; an empty value makes it dead-letter as such.
    value: message.value ?? Buffer.alloc(0),
    headers: decodeKafkaHeaders(message.headers),
  };
}

export function toKafkaMessage(message: OutboundMessage): Message {
  return { key: message.key, value: message.value, headers: { ...message.headers } };
}
