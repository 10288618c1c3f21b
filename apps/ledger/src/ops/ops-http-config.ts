import { z } from 'zod';

import { envInteger, envMilliseconds, envString } from '@corebank/platform-config';

/**
 * The operations port: /health/live, /health/ready, /metrics and /traces. Loopback and an
 * ephemeral port by default (embedded and test use); Kubernetes sets 0.0.0.0:9464 for its probes
 * and Prometheus. /traces is served too: the port is cluster-internal (network policies).
 */
export const opsHttpConfigSchema = z.object({
  OPS_HTTP_HOST: envString({ default: '127.0.0.1' }),
  /** 0 picks a free port (returned by bootstrap and printed at boot). */
  OPS_HTTP_PORT: envInteger({ default: 0, min: 0, max: 65_535 }),
  /** A readiness check that has not answered in this time counts as down. */
  OPS_HEALTH_CHECK_TIMEOUT_MS: envMilliseconds({ default: 1_000, min: 10, max: 10_000 }),
});
