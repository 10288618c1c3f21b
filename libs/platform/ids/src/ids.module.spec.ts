import { Inject, Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';

import { ManualClock } from '@corebank/platform-clock';

import { ID_GENERATOR, type IdGenerator } from './id-generator.port';
import { ID_GENERATOR_RUNTIME, IdsModule } from './ids.module';
import type { IdGeneratorRuntime } from './create-id-generator';
import { parseSnowflake } from './snowflake';

@Injectable()
class OpenAccount {
  constructor(@Inject(ID_GENERATOR) readonly ids: IdGenerator) {}
}

describe('IdsModule.forRoot', () => {
  it('injects the generator and releases its worker id when the application closes', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 22));
    const moduleRef = await Test.createTestingModule({
      imports: [
        IdsModule.forRoot(
          () => ({ workerSource: 'config', workerId: 5, clockBackwardToleranceMs: 50 }),
          { clock },
        ),
      ],
      providers: [OpenAccount],
    }).compile();
    const sut = moduleRef.get(OpenAccount);
    const runtime = moduleRef.get<IdGeneratorRuntime>(ID_GENERATOR_RUNTIME);

    expect(parseSnowflake(sut.ids.nextId())).toEqual({
      timestampMs: clock.nowMs(),
      workerId: 5,
      sequence: 0,
    });

    await moduleRef.close();

    expect(runtime.workerLease.lost.aborted).toBe(true);
    expect(() => sut.ids.nextId()).toThrow('id worker lease is not held');
  });
});
