import assert from 'node:assert';

import { PlatformError } from '@corebank/platform-errors';

import { encodeEnvelope } from '../envelope/envelope';
import type { EventEnvelope, EventHandler } from '../event-bus.port';
import { DEAD_LETTER_HEADERS, deliverMessage } from './deliver-message';
import type { InboundMessage, OutboundMessage } from './messages';

function envelope(id: string): EventEnvelope {
  return {
    id,
    type: 'ledger.transfer.posted.v1',
    version: 1,
    occurredAt: '2026-11-22T00:00:00.000Z',
    key: 'account-1',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    data: { amountMinor: '1250' },
  };
}

function inbound(value: EventEnvelope): InboundMessage {
  const encoded = encodeEnvelope(value);
  return { topic: 'ledger.transfers', partition: 3, offset: 41n, ...encoded };
}

const succeed = (): Promise<void> => Promise.resolve();
const failWith = (error: Error) => (): Promise<void> => Promise.reject(error);

function dependencies(
  handler: EventHandler,
  publishDeadLetter: (topic: string, message: OutboundMessage) => Promise<void> = succeed,
) {
  return {
    handler,
    retry: { attemptsMax: 3, backoffInitialMs: 1, backoffMaxMs: 2 },
    deadLetterTopic: 'ledger.transfers.dead-letter',
    publishDeadLetter,
    signal: new AbortController().signal,
    random: () => 0.5,
  };
}

describe('deliverMessage', () => {
  it('hands the decoded envelope and its position to the handler', async () => {
    const handler = jest.fn<Promise<void>, Parameters<EventHandler>>(succeed);
    const sut = await deliverMessage(inbound(envelope('1')), dependencies(handler));
    expect(sut).toEqual({ kind: 'handled', attempts: 1 });
    expect(handler).toHaveBeenCalledWith(envelope('1'), {
      topic: 'ledger.transfers',
      partition: 3,
      offset: '41',
      attempt: 1,
    });
  });

  it('retries a failing handler and reports the attempt that succeeded', async () => {
    const attempts: number[] = [];
    const handler: EventHandler = (_event, context) => {
      attempts.push(context.attempt);
      return context.attempt < 3 ? Promise.reject(new Error('store timed out')) : succeed();
    };
    await expect(deliverMessage(inbound(envelope('2')), dependencies(handler))).resolves.toEqual({
      kind: 'handled',
      attempts: 3,
    });
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('dead-letters after attemptsMax tries, keeping the original bytes, key and headers', async () => {
    const published: Array<[string, OutboundMessage]> = [];
    const publish = jest.fn((topic: string, message: OutboundMessage) => {
      published.push([topic, message]);
      return succeed();
    });
    const message = inbound(envelope('3'));
    const handler = jest.fn(failWith(new Error('merchant lookup failed')));
    const sut = await deliverMessage(message, dependencies(handler, publish));
    expect(sut).toEqual({ kind: 'dead_lettered', attempts: 3, reason: 'attempts_exhausted' });
    expect(handler).toHaveBeenCalledTimes(3);
    const [topic, deadLetter] = published[0] ?? [];
    assert(deadLetter !== undefined);
    expect(topic).toBe('ledger.transfers.dead-letter');
    expect(deadLetter.key).toBe('account-1');
    expect(deadLetter.value.equals(message.value)).toBe(true);
    expect(deadLetter.headers).toMatchObject({
      ...message.headers,
      [DEAD_LETTER_HEADERS.reason]: 'attempts_exhausted',
      [DEAD_LETTER_HEADERS.errorCode]: 'Error',
      [DEAD_LETTER_HEADERS.errorMessage]: 'merchant lookup failed',
      [DEAD_LETTER_HEADERS.attempts]: '3',
      [DEAD_LETTER_HEADERS.sourceTopic]: 'ledger.transfers',
      [DEAD_LETTER_HEADERS.sourcePartition]: '3',
      [DEAD_LETTER_HEADERS.sourceOffset]: '41',
    });
  });

  it('dead-letters at once on a non-retryable PlatformError', async () => {
    const handler = jest.fn(
      failWith(new PlatformError('invalid.currency', 'unknown currency', { retryable: false })),
    );
    const publish = jest.fn(succeed);
    await expect(
      deliverMessage(inbound(envelope('4')), dependencies(handler, publish)),
    ).resolves.toEqual({ kind: 'dead_lettered', attempts: 1, reason: 'not_retryable' });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('dead-letters an unparseable value without calling the handler', async () => {
    const handler = jest.fn(succeed);
    const publish = jest.fn(succeed);
    const message: InboundMessage = {
      topic: 't.x.v1',
      partition: 0,
      offset: 0n,
      key: 'k',
      value: Buffer.from('{"not":"an envelope"}'),
      headers: {},
    };
    await expect(deliverMessage(message, dependencies(handler, publish))).resolves.toEqual({
      kind: 'dead_lettered',
      attempts: 0,
      reason: 'unparseable',
    });
    expect(handler).not.toHaveBeenCalled();
    expect(publish).toHaveBeenCalledTimes(1);
  });

  it('throws unavailable.bus_dead_letter when the dead-letter publish keeps failing', async () => {
    const publish = jest.fn(failWith(new Error('disk full')));
    const handler = failWith(new Error('boom'));
    await expect(
      deliverMessage(inbound(envelope('5')), dependencies(handler, publish)),
    ).rejects.toMatchObject({ code: 'unavailable.bus_dead_letter', retryable: true });
    expect(publish).toHaveBeenCalledTimes(3);
  });

  it('abandons a message waiting for its retry when the drain signal fires', async () => {
    const controller = new AbortController();
    const handler = jest.fn(() => {
      controller.abort();
      return Promise.reject(new Error('transient'));
    });
    const publish = jest.fn(succeed);
    const sut = await deliverMessage(inbound(envelope('6')), {
      ...dependencies(handler, publish),
      retry: { attemptsMax: 5, backoffInitialMs: 60_000, backoffMaxMs: 60_000 },
      signal: controller.signal,
    });
    expect(sut).toEqual({ kind: 'abandoned', attempts: 1 });
    expect(publish).not.toHaveBeenCalled();
  });
});
