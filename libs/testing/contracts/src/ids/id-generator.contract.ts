import type { IdGenerator } from '@corebank/platform-ids';
import { parseSnowflake } from '@corebank/platform-ids';

// Real callers are request handlers that return to the event loop between ids. A leased
// generator needs those returns: its lease is confirmed by keepalive answers that only the event
// loop can process, and it refuses ids once the confirmation is older than the lease allows.
const YIELD_EVERY_IDS = 10_000;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface IdGeneratorContractSubject {
  readonly generator: IdGenerator;
  /** The worker id every id must carry. */
  readonly workerId: number;
  /** Stops the generator and whatever it started. */
  close(): Promise<void>;
}

export interface IdGeneratorContractOptions {
  /** How many ids the bulk test draws; 1,000,000 unless a slower adapter needs fewer. */
  readonly bulkIdCount?: number;
}

/**
 * The behaviour every IdGenerator must show, whatever supplies its worker id. Each test gets a
 * fresh subject from `createSubject` and closes it afterwards.
 */
export function describeIdGeneratorContract(
  adapterName: string,
  createSubject: () => Promise<IdGeneratorContractSubject>,
  options: IdGeneratorContractOptions = {},
): void {
  const bulkIdCount = options.bulkIdCount ?? 1_000_000;

  describe(`IdGenerator contract: ${adapterName}`, () => {
    let subject: IdGeneratorContractSubject | undefined;

    afterEach(async () => {
      await subject?.close();
      subject = undefined;
    });

    async function sut(): Promise<IdGeneratorContractSubject> {
      subject = await createSubject();
      return subject;
    }

    it(`issues ${bulkIdCount.toLocaleString('en')} ids from one worker, unique and strictly increasing`, async () => {
      const { generator } = await sut();
      let previous = -1n;
      let outOfOrder = 0;
      const startedAtMs = performance.now();
      for (let index = 0; index < bulkIdCount; index++) {
        if (index % YIELD_EVERY_IDS === 0) {
          await yieldToEventLoop();
        }
        const id = generator.nextBigInt();
        // Strictly increasing implies unique, without holding a million ids in a Set.
        if (id <= previous) {
          outOfOrder += 1;
        }
        previous = id;
      }
      const elapsedMs = performance.now() - startedAtMs;
      console.log(
        `${adapterName}: ${bulkIdCount} ids in ${elapsedMs.toFixed(0)} ms ` +
          `(${Math.round(bulkIdCount / (elapsedMs / 1000)).toLocaleString('en')} ids/s)`,
      );
      expect(outOfOrder).toBe(0);
    });

    it('issues canonical decimal strings carrying the worker id and the current time', async () => {
      const { generator, workerId } = await sut();
      const beforeMs = Date.now();
      const id = generator.nextId();
      const afterMs = Date.now();
      expect(id).toMatch(/^[1-9]\d{0,18}$/);
      const parts = parseSnowflake(id);
      expect(parts.workerId).toBe(workerId);
      expect(parts.timestampMs).toBeGreaterThanOrEqual(beforeMs);
      expect(parts.timestampMs).toBeLessThanOrEqual(afterMs);
    });

    it('keeps nextId and nextBigInt on one increasing sequence', async () => {
      const { generator } = await sut();
      const ids = [
        generator.nextBigInt(),
        BigInt(generator.nextId()),
        generator.nextBigInt(),
        BigInt(generator.nextId()),
      ];
      expect([...ids].sort((left, right) => (left < right ? -1 : 1))).toEqual(ids);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('orders string ids numerically the way they were issued', async () => {
      const { generator } = await sut();
      const ids = Array.from({ length: 10_000 }, () => generator.nextId());
      // A consumer compares by length then lexically (or as bigints); both match issue order.
      const sorted = [...ids].sort((left, right) =>
        left.length === right.length ? left.localeCompare(right) : left.length - right.length,
      );
      expect(sorted).toEqual(ids);
    });
  });
}
