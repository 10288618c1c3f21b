import { z } from 'zod';

import { PlatformError } from '@corebank/platform-errors';

import type { EventEnvelope } from '../event-bus.port';

/**
 * The wire form of an event: the JSON envelope as the message value, the envelope key as the
 * message key, and a few fields copied into headers so brokers' tooling, tracing propagators and
 * dead-letter triage can read them without parsing the body. The body stays authoritative.
 */
export type MessageHeaders = Readonly<Record<string, string>>;

export interface EncodedEvent {
  readonly key: string;
  readonly value: Buffer;
  readonly headers: MessageHeaders;
}

export const EVENT_HEADERS = {
  eventType: 'event-type',
  eventId: 'event-id',
  traceparent: 'traceparent',
  contentType: 'content-type',
} as const;

const CONTENT_TYPE_JSON = 'application/json';

/** Bounds that keep one malformed producer from filling the log or a consumer's memory. */
const ID_LENGTH_MAX = 128;
const KEY_LENGTH_MAX = 256;
const TYPE_LENGTH_MAX = 200;
/** 1 MiB, the Kafka default `message.max.bytes`, so both engines accept the same events. */
export const ENCODED_EVENT_BYTES_MAX = 1_048_576;

/** `<domain>.<entity>.<past-tense-verb>.v<N>` (STYLE §4); segments are lower-case words. */
const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_-]*(?:\.[a-z][a-z0-9_-]*)+\.v([1-9][0-9]*)$/;
/** W3C trace context, version 00 layout: version-traceid-parentid-flags. */
const TRACEPARENT_PATTERN = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
// Control characters in ids or keys break headers and log lines; printable text only.
const PRINTABLE_PATTERN = /^[^\u0000-\u001f\u007f]+$/;

const envelopeSchema = z
  .object({
    id: z.string().min(1).max(ID_LENGTH_MAX).regex(PRINTABLE_PATTERN),
    type: z.string().max(TYPE_LENGTH_MAX).regex(EVENT_TYPE_PATTERN),
    version: z.number().int().positive(),
    occurredAt: z.string().datetime({ offset: false }),
    key: z.string().min(1).max(KEY_LENGTH_MAX).regex(PRINTABLE_PATTERN),
    traceparent: z.string().regex(TRACEPARENT_PATTERN).optional(),
    data: z.unknown().refine((data) => data !== undefined, { message: 'data is required' }),
  })
  .strict()
  .superRefine((envelope, context) => {
    const typeVersion = EVENT_TYPE_PATTERN.exec(envelope.type)?.[1];
    if (typeVersion !== undefined && Number(typeVersion) !== envelope.version) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['version'],
        message: `version ${envelope.version} does not match type suffix v${typeVersion}`,
      });
    }
  });

export type EnvelopeParseResult =
  | { readonly kind: 'parsed'; readonly envelope: EventEnvelope }
  | { readonly kind: 'invalid'; readonly reason: string };

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

/**
 * Validates an untrusted value as an event envelope. Returns an outcome instead of throwing
 * because an invalid event is an expected input for a consumer (it dead-letters it).
 */
export function parseEnvelope(candidate: unknown): EnvelopeParseResult {
  const result = envelopeSchema.safeParse(candidate);
  if (!result.success) {
    return { kind: 'invalid', reason: describeIssues(result.error) };
  }
  const { traceparent, ...required } = result.data;
  const envelope: EventEnvelope =
    traceparent === undefined ? required : { ...required, traceparent };
  return { kind: 'parsed', envelope };
}

/**
 * Validates and serialises an envelope for publishing.
 *
 * Throws PlatformError `invalid.event_envelope` (not retryable) when the envelope is invalid,
 * its data is not JSON-serialisable (amounts travel as decimal strings, not bigint), or the
 * encoded event exceeds ENCODED_EVENT_BYTES_MAX.
 */
export function encodeEnvelope(envelope: EventEnvelope): EncodedEvent {
  const parsed = parseEnvelope(envelope);
  if (parsed.kind === 'invalid') {
    throw new PlatformError('invalid.event_envelope', `invalid event envelope: ${parsed.reason}`, {
      retryable: false,
      params: { eventId: String(envelope.id), eventType: String(envelope.type) },
    });
  }
  let json: string;
  try {
    json = JSON.stringify(parsed.envelope);
  } catch (cause) {
    throw new PlatformError('invalid.event_envelope', 'event data is not JSON-serialisable', {
      retryable: false,
      params: { eventId: envelope.id, eventType: envelope.type },
      cause,
    });
  }
  const value = Buffer.from(json, 'utf8');
  if (value.length > ENCODED_EVENT_BYTES_MAX) {
    throw new PlatformError('invalid.event_envelope', 'encoded event is too large', {
      retryable: false,
      params: { eventId: envelope.id, bytes: value.length, bytesMax: ENCODED_EVENT_BYTES_MAX },
    });
  }
  const headers: Record<string, string> = {
    [EVENT_HEADERS.eventType]: parsed.envelope.type,
    [EVENT_HEADERS.eventId]: parsed.envelope.id,
    [EVENT_HEADERS.contentType]: CONTENT_TYPE_JSON,
  };
  if (parsed.envelope.traceparent !== undefined) {
    headers[EVENT_HEADERS.traceparent] = parsed.envelope.traceparent;
  }
  return { key: parsed.envelope.key, value, headers };
}

/**
 * Turns a received message back into an envelope. The body is authoritative; a `traceparent`
 * header fills in only when the body has none (a relay may have added trace context).
 */
export function decodeEnvelope(value: Buffer, headers: MessageHeaders): EnvelopeParseResult {
  let candidate: unknown;
  try {
    candidate = JSON.parse(value.toString('utf8'));
  } catch {
    return { kind: 'invalid', reason: 'value is not JSON' };
  }
  const headerTraceparent = headers[EVENT_HEADERS.traceparent];
  if (
    headerTraceparent !== undefined &&
    typeof candidate === 'object' &&
    candidate !== null &&
    !('traceparent' in candidate)
  ) {
    candidate = { ...candidate, traceparent: headerTraceparent };
  }
  return parseEnvelope(candidate);
}
