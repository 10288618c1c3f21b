import { z } from 'zod';

import { HS256_SECRET_BYTES_MIN } from '@corebank/platform-auth';
import {
  envInteger,
  envMilliseconds,
  envString,
  type EnvRecord,
  loadConfig,
} from '@corebank/platform-config';

/**
 * The continuous prober: where the environment under probe is, how it signs customer tokens for
 * its test accounts, how often it runs, and where it serves its metrics.
 */
export const proberConfigSchema = z.object({
  /** The processor's SOAP endpoint, e.g. https://card-gateway:8443/ehi. */
  PROBER_SOAP_URL: envString().pipe(z.string().url()),
  /** host:port of authorization's CardService (gRPC). */
  PROBER_CARDS_GRPC_ADDRESS: envString({ minLength: 3 }),
  /** Base URL of the feed API. */
  PROBER_FEED_URL: envString().pipe(z.string().url()),
  /** Base URL of the notifications API. */
  PROBER_NOTIFICATIONS_URL: envString().pipe(z.string().url()),
  /** HS256 key the customer APIs verify bearer tokens with; the prober signs its own with it. */
  PROBER_CUSTOMER_TOKEN_SECRET: envString({ minLength: HS256_SECRET_BYTES_MIN }),
  PROBER_CUSTOMER_TOKEN_ISSUER: envString({ default: 'corebank' }),
  /** Start-to-start time of two rounds (every scenario once per round). */
  PROBER_INTERVAL_MS: envMilliseconds({ default: 30_000, min: 1_000, max: 3_600_000 }),
  /** Rounds to run, then keep serving the final metrics until stopped; 0 = run until stopped. */
  PROBER_ITERATIONS_MAX: envInteger({ default: 0, min: 0, max: 1_000_000 }),
  /**
   * Prefix of the idempotency keys of the prober's test accounts and cards: the same prefix makes a
   * restarted prober reuse them. One per environment and prober deployment.
   */
  PROBER_ACCOUNT_KEY_PREFIX: envString({ default: 'prober' }).pipe(
    z.string().regex(/^[a-z0-9-]{1,40}$/, 'lowercase letters, digits and dashes'),
  ),
  PROBER_METRICS_HOST: envString({ default: '0.0.0.0' }),
  /** Serves /metrics, /health/live and /health/ready; 0 picks a free port (tests). */
  PROBER_METRICS_PORT: envInteger({ default: 9464, min: 0, max: 65_535 }),
});

export type ProberConfig = ReturnType<typeof loadProberConfig>;

export function loadProberConfig(env: EnvRecord = process.env) {
  return loadConfig(proberConfigSchema, env);
}
