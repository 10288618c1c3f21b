import type { EventBus, EventEnvelope, Subscription } from '@corebank/platform-event-bus';

export interface EventCollector {
  readonly events: EventEnvelope[];
  stop(): Promise<void>;
}

/** Records every event of `topic` seen by a fresh consumer group. */
export async function collectEvents(
  bus: EventBus,
  topic: string,
  groupId: string,
): Promise<EventCollector> {
  const events: EventEnvelope[] = [];
  const subscription: Subscription = await bus.subscribe({
    topic,
    groupId,
    handler: (event) => {
      events.push(event);
      return Promise.resolve();
    },
  });
  return { events, stop: () => subscription.stop() };
}

/** Polls `condition` every 20 ms until it holds; fails after `timeoutMs` with `describe()`. */
export async function waitUntil(
  condition: () => boolean,
  timeoutMs: number,
  describe: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A fixed permutation (seeded LCG), so "out of order" is the same on every run. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const result = [...items];
  let state = seed >>> 0;
  for (let index = result.length - 1; index > 0; index -= 1) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    const other = state % (index + 1);
    const swap = result[index];
    result[index] = result[other];
    result[other] = swap;
  }
  return result;
}
