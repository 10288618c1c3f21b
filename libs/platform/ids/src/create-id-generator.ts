import { hostname } from 'node:os';

import { Etcd3 } from 'etcd3';

import { systemClock, type Clock } from '@corebank/platform-clock';

import type { BlockingSleeper } from './blocking-sleeper';
import type { IdsConfig } from './config';
import { EtcdWorkerLease } from './etcd-worker-lease';
import { SnowflakeGenerator } from './snowflake-generator';
import { ConfiguredWorkerLease, type WorkerLease } from './worker-lease';

export interface IdGeneratorRuntime {
  readonly generator: SnowflakeGenerator;
  /** Its `lost` signal tells the app the generator has stopped (e.g. to fail readiness). */
  readonly workerLease: WorkerLease;
  /**
   * Releases the worker id (recording the last timestamp for its next holder) and closes the
   * etcd client, if any. Call it on shutdown; the generator refuses ids afterwards.
   */
  close(): Promise<void>;
}

export interface IdGeneratorDependencies {
  readonly clock?: Clock;
  readonly sleeper?: BlockingSleeper;
}

/**
 * Builds the generator the config asks for: a configured worker id, or one leased from etcd.
 *
 * @throws PlatformError `unavailable.etcd` / `exhausted.id_worker_ids` from `EtcdWorkerLease.claim`.
 */
export async function createIdGenerator(
  config: IdsConfig,
  dependencies: IdGeneratorDependencies = {},
): Promise<IdGeneratorRuntime> {
  const generatorOptions = {
    clock: dependencies.clock ?? systemClock,
    clockBackwardToleranceMs: config.clockBackwardToleranceMs,
    ...(dependencies.sleeper === undefined ? {} : { sleeper: dependencies.sleeper }),
  };
  switch (config.workerSource) {
    case 'config': {
      const workerLease = new ConfiguredWorkerLease(config.workerId);
      const generator = new SnowflakeGenerator({ ...generatorOptions, workerLease });
      return { generator, workerLease, close: () => workerLease.release() };
    }
    case 'etcd': {
      const { requestTimeoutMs } = config.etcd;
      const client = new Etcd3({
        hosts: [...config.etcd.endpoints],
        dialTimeout: requestTimeoutMs,
        // Unary calls get a deadline so a hung etcd fails the claim instead of blocking boot;
        // the keepalive stream must not have one.
        defaultCallOptions: (context) =>
          context.isStream ? {} : { deadline: Date.now() + requestTimeoutMs },
      });
      let workerLease: EtcdWorkerLease;
      try {
        workerLease = await EtcdWorkerLease.claim({
          client,
          keyPrefix: config.etcd.keyPrefix,
          ttlSeconds: config.etcd.leaseTtlSeconds,
          safetyMarginMs: config.etcd.leaseSafetyMarginMs,
          holderName: `${hostname()}/${process.pid}`,
        });
      } catch (error) {
        client.close();
        throw error;
      }
      const generator = new SnowflakeGenerator({ ...generatorOptions, workerLease });
      return {
        generator,
        workerLease,
        close: async () => {
          try {
            await workerLease.release(generator.lastIssuedTimestampMs);
          } finally {
            client.close();
          }
        },
      };
    }
  }
}
