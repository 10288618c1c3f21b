import { PlatformError } from '@corebank/platform-errors';

import { EtcdDistributedLocks } from './etcd-distributed-locks';
import { InProcessDistributedLocks } from './in-process-distributed-locks';
import { locksConfigSchema, type LocksConfig } from './locks-config';
import type { DistributedLocks } from './locks.port';

/**
 * The one way application code gets a `DistributedLocks`: the engine is a config value, never an
 * import. The config is validated again here, so a hand-built one fails as early as an env one.
 */
export function createDistributedLocks(config: LocksConfig): DistributedLocks {
  const parsed = locksConfigSchema.safeParse(config);
  if (!parsed.success) {
    throw new PlatformError('invalid.locks_config', parsed.error.message, { retryable: false });
  }
  const valid = parsed.data;
  switch (valid.engine) {
    case 'etcd':
      return new EtcdDistributedLocks({
        endpoints: valid.endpoints,
        prefix: valid.prefix,
        requestTimeoutMs: valid.requestTimeoutMs,
      });
    case 'in-process':
      return new InProcessDistributedLocks();
  }
}
