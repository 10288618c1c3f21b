import { z } from 'zod';

import {
  envEnum,
  envInteger,
  envList,
  envMilliseconds,
  envSeconds,
  envString,
} from '@corebank/platform-config';

import {
  CLOCK_BACKWARD_TOLERANCE_MS_DEFAULT,
  CLOCK_BACKWARD_TOLERANCE_MS_MAX,
} from './snowflake-generator';
import { SNOWFLAKE_WORKER_ID_MAX } from './snowflake';

/**
 * The environment variables of the ids lib. Apps load it with the rest of their config, e.g.
 * `loadConfigSections({ ids: idsConfigSchema, ... }, process.env)`; this file reads no env itself.
 */
const idsEnvironmentSchema = z.object({
  /** `config`: ID_WORKER_ID is assigned by hand. `etcd`: a worker id is leased per process. */
  ID_WORKER_SOURCE: envEnum(['config', 'etcd']),
  ID_WORKER_ID: envInteger({ min: 0, max: SNOWFLAKE_WORKER_ID_MAX }).optional(),
  ID_CLOCK_BACKWARD_TOLERANCE_MS: envMilliseconds({
    max: CLOCK_BACKWARD_TOLERANCE_MS_MAX,
    default: CLOCK_BACKWARD_TOLERANCE_MS_DEFAULT,
  }),
  ETCD_ENDPOINTS: envList(z.string().url()).optional(),
  ID_ETCD_KEY_PREFIX: envString({ default: 'corebank/ids' }),
  ID_WORKER_LEASE_TTL_SECONDS: envSeconds({ min: 2, max: 300, default: 10 }),
  ID_WORKER_LEASE_SAFETY_MARGIN_MS: envMilliseconds({ default: 1000 }),
  ID_ETCD_REQUEST_TIMEOUT_MS: envMilliseconds({ min: 100, max: 60_000, default: 5000 }),
});

export interface EtcdWorkerSourceConfig {
  readonly endpoints: readonly string[];
  readonly keyPrefix: string;
  readonly leaseTtlSeconds: number;
  readonly leaseSafetyMarginMs: number;
  readonly requestTimeoutMs: number;
}

export type IdsConfig =
  | {
      readonly workerSource: 'config';
      readonly workerId: number;
      readonly clockBackwardToleranceMs: number;
    }
  | {
      readonly workerSource: 'etcd';
      readonly etcd: EtcdWorkerSourceConfig;
      readonly clockBackwardToleranceMs: number;
    };

function missing(context: z.RefinementCtx, variable: string, source: string): typeof z.NEVER {
  context.addIssue({
    code: z.ZodIssueCode.custom,
    path: [variable],
    message: `required when ID_WORKER_SOURCE=${source}`,
  });
  return z.NEVER;
}

export const idsConfigSchema = idsEnvironmentSchema.transform((environment, context): IdsConfig => {
  const clockBackwardToleranceMs = environment.ID_CLOCK_BACKWARD_TOLERANCE_MS;
  if (environment.ID_WORKER_SOURCE === 'config') {
    if (environment.ID_WORKER_ID === undefined) {
      return missing(context, 'ID_WORKER_ID', 'config');
    }
    return { workerSource: 'config', workerId: environment.ID_WORKER_ID, clockBackwardToleranceMs };
  }
  if (environment.ETCD_ENDPOINTS === undefined) {
    return missing(context, 'ETCD_ENDPOINTS', 'etcd');
  }
  const ttlMs = environment.ID_WORKER_LEASE_TTL_SECONDS * 1000;
  if (environment.ID_WORKER_LEASE_SAFETY_MARGIN_MS * 2 > ttlMs) {
    context.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['ID_WORKER_LEASE_SAFETY_MARGIN_MS'],
      message: 'must be at most half of ID_WORKER_LEASE_TTL_SECONDS',
    });
    return z.NEVER;
  }
  return {
    workerSource: 'etcd',
    clockBackwardToleranceMs,
    etcd: {
      endpoints: environment.ETCD_ENDPOINTS,
      keyPrefix: environment.ID_ETCD_KEY_PREFIX,
      leaseTtlSeconds: environment.ID_WORKER_LEASE_TTL_SECONDS,
      leaseSafetyMarginMs: environment.ID_WORKER_LEASE_SAFETY_MARGIN_MS,
      requestTimeoutMs: environment.ID_ETCD_REQUEST_TIMEOUT_MS,
    },
  };
});
