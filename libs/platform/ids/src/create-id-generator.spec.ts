import { ManualClock } from '@corebank/platform-clock';
import { isPlatformError } from '@corebank/platform-errors';

import { createIdGenerator } from './create-id-generator';
import { parseSnowflake } from './snowflake';

describe('createIdGenerator with a configured worker id', () => {
  it('issues ids under that worker id and stops after close', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 22));
    const sut = await createIdGenerator(
      { workerSource: 'config', workerId: 42, clockBackwardToleranceMs: 50 },
      { clock },
    );
    expect(parseSnowflake(sut.generator.nextId())).toEqual({
      timestampMs: clock.nowMs(),
      workerId: 42,
      sequence: 0,
    });
    expect(sut.workerLease.lost.aborted).toBe(false);

    await sut.close();

    expect(sut.workerLease.lost.aborted).toBe(true);
    let thrown: unknown;
    try {
      sut.generator.nextId();
    } catch (error) {
      thrown = error;
    }
    expect(isPlatformError(thrown) && thrown.code).toBe('unavailable.id_worker_lease');
  });
});
