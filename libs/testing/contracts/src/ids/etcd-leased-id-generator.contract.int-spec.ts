import { createIdGenerator } from '@corebank/platform-ids';
import { startEtcd, type EtcdServer } from '@corebank/testing-engines';

import { describeIdGeneratorContract } from './id-generator.contract';

describe('SnowflakeGenerator with a worker id leased from etcd', () => {
  let etcd: EtcdServer;

  beforeAll(async () => {
    etcd = await startEtcd();
  });

  afterAll(async () => {
    await etcd.stop();
  });

  describeIdGeneratorContract('SnowflakeGenerator with an etcd-leased worker id', async () => {
    const runtime = await createIdGenerator({
      workerSource: 'etcd',
      clockBackwardToleranceMs: 50,
      etcd: {
        endpoints: [etcd.endpoint],
        keyPrefix: 'test/ids',
        leaseTtlSeconds: 5,
        leaseSafetyMarginMs: 1000,
        requestTimeoutMs: 5000,
      },
    });
    return {
      generator: runtime.generator,
      workerId: runtime.generator.workerId,
      close: () => runtime.close(),
    };
  });
});
