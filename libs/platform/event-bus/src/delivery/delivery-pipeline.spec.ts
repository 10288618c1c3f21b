import { encodeEnvelope } from '../envelope/envelope';
import type { EventEnvelope, EventHandler } from '../event-bus.port';
import { DeliveryPipeline, type DeliveryPipelineOptions } from './delivery-pipeline';
import type { CommitPosition, InboundMessage } from './messages';

const TOPIC = 'feed.item.created.v1';

function message(offset: number, key: string, partition = 0): InboundMessage {
  const envelope: EventEnvelope = {
    id: String(1000 + offset),
    type: 'feed.item.created.v1',
    version: 1,
    occurredAt: '2026-11-22T00:00:00.000Z',
    key,
    data: { offset },
  };
  return { topic: TOPIC, partition, offset: BigInt(offset), ...encodeEnvelope(envelope) };
}

/** A promise the test resolves by hand, to hold a handler "in flight". */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Waits (bounded) until every accepted message is done, so drain has nothing queued. */
async function untilEmpty(sut: DeliveryPipeline): Promise<void> {
  for (let turn = 0; turn < 2_000 && sut.bufferedMessages > 0; turn += 1) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  expect(sut.bufferedMessages).toBe(0);
}

function pipeline(
  handler: EventHandler,
  overrides: Partial<DeliveryPipelineOptions> = {},
): { sut: DeliveryPipeline; commits: CommitPosition[][]; deadLetters: string[] } {
  const commits: CommitPosition[][] = [];
  const deadLetters: string[] = [];
  const sut = new DeliveryPipeline({
    handler,
    retry: { attemptsMax: 2, backoffInitialMs: 1, backoffMaxMs: 1 },
    deadLetterTopic: `${TOPIC}.dead-letter`,
    publishDeadLetter: (_topic, dead) => {
      deadLetters.push(dead.headers['event-id'] ?? '?');
      return Promise.resolve();
    },
    commit: (positions) => {
      commits.push([...positions]);
      return Promise.resolve();
    },
    keyConcurrencyMax: 4,
    bufferedMessagesMax: 1_000,
    commitIntervalMs: 0,
    onFatalError: () => undefined,
    random: () => 0.5,
    ...overrides,
  });
  return { sut, commits, deadLetters };
}

describe('DeliveryPipeline', () => {
  it('handles one key strictly in order while different keys run concurrently, up to the bound', async () => {
    const handledByKey = new Map<string, number[]>();
    const runningKeys = new Set<string>();
    let concurrentMax = 0;
    const handler: EventHandler = async (event) => {
      expect(runningKeys.has(event.key)).toBe(false);
      runningKeys.add(event.key);
      concurrentMax = Math.max(concurrentMax, runningKeys.size);
      // Uneven, deterministic handler durations so keys overtake each other.
      const turns = Number(event.id) % 3;
      for (let turn = 0; turn <= turns; turn += 1) {
        await settle();
      }
      runningKeys.delete(event.key);
      const offsets = handledByKey.get(event.key) ?? [];
      offsets.push((event.data as { offset: number }).offset);
      handledByKey.set(event.key, offsets);
    };
    const { sut } = pipeline(handler, { keyConcurrencyMax: 3 });
    const keys = ['a', 'b', 'c', 'd', 'e'];
    for (let offset = 0; offset < 200; offset += 1) {
      await sut.push(message(offset, keys[(offset * 7) % keys.length] ?? 'a'));
    }
    await untilEmpty(sut);
    await sut.drain();
    expect(concurrentMax).toBe(3);
    for (const key of keys) {
      const offsets = handledByKey.get(key) ?? [];
      expect(offsets).toHaveLength(40);
      expect([...offsets].sort((left, right) => left - right)).toEqual(offsets);
    }
  });

  it('commits only the contiguous prefix of done offsets, so a slow key holds the position back', async () => {
    const slow = gate();
    const handler: EventHandler = (event) =>
      event.key === 'slow' ? slow.promise : Promise.resolve();
    const { sut, commits } = pipeline(handler);
    await sut.push(message(0, 'slow'));
    await sut.push(message(1, 'fast'));
    await sut.push(message(2, 'fast'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(commits).toEqual([]);
    slow.open();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(commits.flat().at(-1)).toEqual({ topic: TOPIC, partition: 0, nextOffset: 3n });
    await sut.drain();
  });

  it('keeps separate positions per partition', async () => {
    const { sut, commits } = pipeline(() => Promise.resolve());
    await sut.push(message(5, 'a', 0));
    await sut.push(message(9, 'a', 1));
    await untilEmpty(sut);
    await sut.drain();
    expect(sut.committedPositions()).toEqual([
      { topic: TOPIC, partition: 0, nextOffset: 6n },
      { topic: TOPIC, partition: 1, nextOffset: 10n },
    ]);
    expect(commits.length).toBeGreaterThan(0);
  });

  it('retries a failed periodic commit without waiting for another message', async () => {
    let commitCalls = 0;
    const positions: CommitPosition[] = [];
    const errors: unknown[] = [];
    const { sut } = pipeline(() => Promise.resolve(), {
      commit: (moved) => {
        commitCalls += 1;
        if (commitCalls === 1) {
          return Promise.reject(new Error('database is locked'));
        }
        positions.push(...moved);
        return Promise.resolve();
      },
      onError: (error) => errors.push(error),
    });
    await sut.push(message(0, 'a'));
    for (let turn = 0; turn < 300 && positions.length === 0; turn += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(errors).toHaveLength(1);
    expect(positions).toEqual([{ topic: TOPIC, partition: 0, nextOffset: 1n }]);
    await sut.drain();
  });

  it('dead-letters a poison message and moves on to the next message of the same key', async () => {
    const handled: string[] = [];
    const handler: EventHandler = (event) => {
      if (event.id === '1001') {
        return Promise.reject(new Error('poison'));
      }
      handled.push(event.id);
      return Promise.resolve();
    };
    const { sut, deadLetters } = pipeline(handler);
    await sut.push(message(0, 'k'));
    await sut.push(message(1, 'k'));
    await sut.push(message(2, 'k'));
    await untilEmpty(sut);
    await sut.drain();
    expect(handled).toEqual(['1000', '1002']);
    expect(deadLetters).toEqual(['1001']);
    expect(sut.committedPositions()).toEqual([{ topic: TOPIC, partition: 0, nextOffset: 3n }]);
  });

  it('makes push wait while bufferedMessagesMax messages are not done', async () => {
    const held = gate();
    const { sut } = pipeline(() => held.promise, { bufferedMessagesMax: 2 });
    await sut.push(message(0, 'a'));
    await sut.push(message(1, 'b'));
    let thirdAccepted = false;
    const third = sut.push(message(2, 'c')).then((accepted) => {
      thirdAccepted = accepted;
    });
    await settle();
    expect(thirdAccepted).toBe(false);
    expect(sut.bufferedMessages).toBe(2);
    held.open();
    await third;
    expect(thirdAccepted).toBe(true);
    await sut.drain();
  });

  it('drains: waits for in-flight handlers, commits them, leaves queued messages uncommitted', async () => {
    const held = gate();
    const started: string[] = [];
    const handler: EventHandler = async (event) => {
      started.push(event.id);
      await held.promise;
    };
    const { sut, commits } = pipeline(handler, { keyConcurrencyMax: 1 });
    await sut.push(message(0, 'a'));
    await sut.push(message(1, 'a'));
    await settle();
    let drained = false;
    const draining = sut.drain().then(() => {
      drained = true;
    });
    await expect(sut.push(message(2, 'a'))).resolves.toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(drained).toBe(false);
    held.open();
    await draining;
    expect(started).toEqual(['1000']);
    expect(commits.flat()).toEqual([{ topic: TOPIC, partition: 0, nextOffset: 1n }]);
    expect(sut.state).toBe('drained');
  });

  it('drain cancels a retry backoff without committing that message', async () => {
    const handler = jest.fn(() => Promise.reject(new Error('transient')));
    const { sut, commits, deadLetters } = pipeline(handler, {
      retry: { attemptsMax: 5, backoffInitialMs: 60_000, backoffMaxMs: 60_000 },
    });
    await sut.push(message(0, 'a'));
    await settle();
    await sut.drain();
    expect(handler).toHaveBeenCalledTimes(1);
    expect(commits).toEqual([]);
    expect(deadLetters).toEqual([]);
  });

  it('fails once and stops accepting when the dead-letter topic cannot be written', async () => {
    const fatal = jest.fn<void, [unknown]>();
    const { sut, commits } = pipeline(() => Promise.reject(new Error('poison')), {
      onFatalError: fatal,
      publishDeadLetter: () => Promise.reject(new Error('dead-letter topic unavailable')),
    });
    await sut.push(message(0, 'a'));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(fatal).toHaveBeenCalledTimes(1);
    expect(fatal.mock.calls[0]?.[0]).toMatchObject({ code: 'unavailable.bus_dead_letter' });
    expect(sut.state).toBe('failed');
    await expect(sut.push(message(1, 'b'))).resolves.toBe(false);
    await sut.drain();
    expect(commits).toEqual([]);
  });
});
