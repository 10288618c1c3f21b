import { createIdGenerator } from '@corebank/platform-ids';

import { describeIdGeneratorContract } from './id-generator.contract';

describeIdGeneratorContract('SnowflakeGenerator with a configured worker id', async () => {
  const runtime = await createIdGenerator({
    workerSource: 'config',
    workerId: 17,
    clockBackwardToleranceMs: 50,
  });
  return { generator: runtime.generator, workerId: 17, close: () => runtime.close() };
});
