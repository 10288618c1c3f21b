import fc from 'fast-check';

import { encodeEnvelope } from '../envelope/envelope';
import type { EventHandler } from '../event-bus.port';
import { DEAD_LETTER_HEADERS } from './deliver-message';
import { DeliveryPipeline } from './delivery-pipeline';
import type { CommitPosition, InboundMessage } from './messages';

const TOPIC = 'property.event.happened.v1';
const ATTEMPTS_MAX = 3;

interface Scenario {
  readonly key: number;
  /** Attempts that throw before one succeeds; ATTEMPTS_MAX or more means dead-lettered. */
  readonly failures: number;
  /** Event-loop turns the handler takes, so keys overtake each other. */
  readonly turns: number;
}

function message(offset: number, scenario: Scenario): InboundMessage {
  return {
    topic: TOPIC,
    partition: 0,
    offset: BigInt(offset),
    ...encodeEnvelope({
      id: String(offset + 1),
      type: TOPIC,
      version: 1,
      occurredAt: '2026-11-22T00:00:00.000Z',
      key: `key-${scenario.key}`,
      data: { offset },
    }),
  };
}

async function turns(count: number): Promise<void> {
  for (let turn = 0; turn < count; turn += 1) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('DeliveryPipeline properties', () => {
  it('never commits past an unfinished message, keeps per-key order, and finishes everything', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            key: fc.integer({ min: 0, max: 3 }),
            failures: fc.integer({ min: 0, max: ATTEMPTS_MAX }),
            turns: fc.integer({ min: 0, max: 3 }),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        fc.integer({ min: 1, max: 4 }),
        async (scenarios, keyConcurrencyMax) => {
          const finished = new Set<number>();
          const attempts = new Map<number, number>();
          const firstStartByKey = new Map<number, number[]>();
          const commits: CommitPosition[] = [];
          // Collected rather than thrown: the pipeline reports commit errors to onError only.
          const violations: string[] = [];
          const handler: EventHandler = async (_event, context) => {
            const offset = Number(context.offset);
            const scenario = scenarios[offset];
            if (scenario === undefined) {
              throw new Error(`unknown offset ${offset}`);
            }
            if (context.attempt === 1) {
              const started = firstStartByKey.get(scenario.key) ?? [];
              started.push(offset);
              firstStartByKey.set(scenario.key, started);
            }
            attempts.set(offset, context.attempt);
            await turns(scenario.turns);
            if (context.attempt <= scenario.failures) {
              throw new Error('planned failure');
            }
            finished.add(offset);
          };
          const sut = new DeliveryPipeline({
            handler,
            retry: { attemptsMax: ATTEMPTS_MAX, backoffInitialMs: 0, backoffMaxMs: 0 },
            deadLetterTopic: `${TOPIC}.dead-letter`,
            publishDeadLetter: (_topic, deadLetter) => {
              finished.add(Number(deadLetter.headers[DEAD_LETTER_HEADERS.sourceOffset]));
              return Promise.resolve();
            },
            commit: (positions) => {
              for (const position of positions) {
                for (let offset = 0; offset < Number(position.nextOffset); offset += 1) {
                  if (!finished.has(offset)) {
                    violations.push(`committed ${position.nextOffset} before ${offset} finished`);
                  }
                }
                commits.push(position);
              }
              return Promise.resolve();
            },
            keyConcurrencyMax,
            bufferedMessagesMax: 8,
            commitIntervalMs: 0,
            onFatalError: (error) => violations.push(`fatal: ${String(error)}`),
            onError: (error) => violations.push(`error: ${String(error)}`),
            random: () => 0,
          });
          for (const [offset, scenario] of scenarios.entries()) {
            expect(await sut.push(message(offset, scenario))).toBe(true);
          }
          for (let turn = 0; turn < 5_000 && sut.bufferedMessages > 0; turn += 1) {
            await new Promise((resolve) => setTimeout(resolve, 0));
          }
          await sut.drain();

          expect(violations).toEqual([]);
          expect(commits.length).toBeGreaterThan(0);
          expect(finished.size).toBe(scenarios.length);
          expect(sut.committedPositions()).toEqual([
            { topic: TOPIC, partition: 0, nextOffset: BigInt(scenarios.length) },
          ]);
          for (const [offset, scenario] of scenarios.entries()) {
            expect(attempts.get(offset)).toBe(Math.min(scenario.failures + 1, ATTEMPTS_MAX));
          }
          for (const started of firstStartByKey.values()) {
            expect([...started].sort((left, right) => left - right)).toEqual(started);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
