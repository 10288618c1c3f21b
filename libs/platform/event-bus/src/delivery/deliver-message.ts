import assert from 'node:assert';

import { isPlatformError, PlatformError } from '@corebank/platform-errors';

import { decodeEnvelope } from '../envelope/envelope';
import type { EventHandler, RetryPolicy } from '../event-bus.port';
import { abortableSleep, fullJitterBackoffMs } from './backoff';
import type { InboundMessage, OutboundMessage } from './messages';

/** Headers added to a dead-lettered message; the original value, key and headers are kept. */
export const DEAD_LETTER_HEADERS = {
  reason: 'dead-letter-reason',
  errorCode: 'dead-letter-error-code',
  errorMessage: 'dead-letter-error-message',
  attempts: 'dead-letter-attempts',
  sourceTopic: 'dead-letter-source-topic',
  sourcePartition: 'dead-letter-source-partition',
  sourceOffset: 'dead-letter-source-offset',
} as const;

export const DEAD_LETTER_TOPIC_SUFFIX = '.dead-letter';

export function defaultDeadLetterTopic(topic: string): string {
  return `${topic}${DEAD_LETTER_TOPIC_SUFFIX}`;
}

/** Error messages can be long (stack-like driver output); the header keeps a bounded prefix. */
const ERROR_MESSAGE_LENGTH_MAX = 500;

/**
 * - `unparseable`: the value is not a valid envelope; retrying cannot help.
 * - `not_retryable`: the handler threw a PlatformError with `retryable: false`.
 * - `attempts_exhausted`: the handler failed `attemptsMax` times.
 */
export type DeadLetterReason = 'unparseable' | 'not_retryable' | 'attempts_exhausted';

/**
 * - `handled`: the handler resolved, so its effect is durable; the offset may be committed.
 * - `dead_lettered`: the message is durably on the dead-letter topic; the offset may be committed.
 * - `abandoned`: a drain began while the message waited to be retried; it must NOT be committed,
 *   so it is redelivered after the restart.
 */
export type DeliveryOutcome =
  | { readonly kind: 'handled'; readonly attempts: number }
  | { readonly kind: 'dead_lettered'; readonly attempts: number; readonly reason: DeadLetterReason }
  | { readonly kind: 'abandoned'; readonly attempts: number };

export interface DeliveryDependencies {
  readonly handler: EventHandler;
  readonly retry: RetryPolicy;
  readonly deadLetterTopic: string;
  /** Resolves once the message is durably stored (the engine's publish guarantee). */
  readonly publishDeadLetter: (topic: string, message: OutboundMessage) => Promise<void>;
  /** Aborted when the subscription drains: pending backoffs end early with `abandoned`. */
  readonly signal: AbortSignal;
  readonly random: () => number;
}

function describeError(error: unknown): { code: string; message: string } {
  if (isPlatformError(error)) {
    return { code: error.code, message: error.message };
  }
  if (error instanceof Error) {
    return { code: error.name, message: error.message };
  }
  return { code: 'unknown', message: String(error) };
}

export function buildDeadLetterMessage(
  message: InboundMessage,
  reason: DeadLetterReason,
  attempts: number,
  error: { code: string; message: string },
): OutboundMessage {
  return {
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      [DEAD_LETTER_HEADERS.reason]: reason,
      [DEAD_LETTER_HEADERS.errorCode]: error.code,
      [DEAD_LETTER_HEADERS.errorMessage]: error.message.slice(0, ERROR_MESSAGE_LENGTH_MAX),
      [DEAD_LETTER_HEADERS.attempts]: String(attempts),
      [DEAD_LETTER_HEADERS.sourceTopic]: message.topic,
      [DEAD_LETTER_HEADERS.sourcePartition]: String(message.partition),
      [DEAD_LETTER_HEADERS.sourceOffset]: message.offset.toString(),
    },
  };
}

/**
 * Dead-letter publishing is retried with the same bounded policy: giving up here would leave the
 * partition unable to move on without losing the message, which at-least-once forbids.
 *
 * Throws PlatformError `unavailable.bus_dead_letter` (retryable) when every try failed; the caller
 * must then not commit this offset and should restart consumption from the committed position.
 */
async function publishToDeadLetter(
  message: InboundMessage,
  reason: DeadLetterReason,
  attempts: number,
  error: { code: string; message: string },
  dependencies: DeliveryDependencies,
): Promise<DeliveryOutcome> {
  const deadLetter = buildDeadLetterMessage(message, reason, attempts, error);
  let lastError: unknown;
  for (let publishTry = 1; publishTry <= dependencies.retry.attemptsMax; publishTry += 1) {
    try {
      await dependencies.publishDeadLetter(dependencies.deadLetterTopic, deadLetter);
      return { kind: 'dead_lettered', attempts, reason };
    } catch (publishError) {
      lastError = publishError;
    }
    if (publishTry < dependencies.retry.attemptsMax) {
      const delayMs = fullJitterBackoffMs(publishTry, dependencies.retry, dependencies.random);
      if (!(await abortableSleep(delayMs, dependencies.signal))) {
        return { kind: 'abandoned', attempts };
      }
    }
  }
  throw new PlatformError('unavailable.bus_dead_letter', 'could not publish to dead-letter topic', {
    retryable: true,
    params: {
      topic: message.topic,
      partition: message.partition,
      offset: message.offset.toString(),
      deadLetterTopic: dependencies.deadLetterTopic,
    },
    cause: lastError,
  });
}

/**
 * Runs the handler for one message: decode, then up to `retry.attemptsMax` attempts separated by
 * full-jitter exponential backoff, then the dead-letter topic. The result says whether the offset
 * may be committed (`handled`, `dead_lettered`) or not (`abandoned`).
 *
 * At-least-once rule: a message counts as done only when the handler resolved (its effect is
 * durable) or the dead-letter publish resolved (the message is durably parked). Anything else,
 * including a crash at any point in here, leaves the offset uncommitted and the message is
 * delivered again.
 *
 * Throws PlatformError `unavailable.bus_dead_letter` (see publishToDeadLetter).
 */
export async function deliverMessage(
  message: InboundMessage,
  dependencies: DeliveryDependencies,
): Promise<DeliveryOutcome> {
  const decoded = decodeEnvelope(message.value, message.headers);
  if (decoded.kind === 'invalid') {
    return publishToDeadLetter(
      message,
      'unparseable',
      0,
      { code: 'invalid.event_envelope', message: decoded.reason },
      dependencies,
    );
  }
  const { attemptsMax } = dependencies.retry;
  for (let attempt = 1; attempt <= attemptsMax; attempt += 1) {
    try {
      await dependencies.handler(decoded.envelope, {
        topic: message.topic,
        partition: message.partition,
        offset: message.offset.toString(),
        attempt,
      });
      return { kind: 'handled', attempts: attempt };
    } catch (error) {
      if (isPlatformError(error) && !error.retryable) {
        return publishToDeadLetter(
          message,
          'not_retryable',
          attempt,
          describeError(error),
          dependencies,
        );
      }
      if (attempt === attemptsMax) {
        return publishToDeadLetter(
          message,
          'attempts_exhausted',
          attempt,
          describeError(error),
          dependencies,
        );
      }
    }
    const delayMs = fullJitterBackoffMs(attempt, dependencies.retry, dependencies.random);
    if (!(await abortableSleep(delayMs, dependencies.signal))) {
      return { kind: 'abandoned', attempts: attempt };
    }
  }
  // attemptsMax >= 1 (validateRetryPolicy), so the loop always returns before this line.
  return assert.fail(`retry loop ended without an outcome (attemptsMax ${attemptsMax})`);
}
