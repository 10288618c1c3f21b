import { z } from 'zod';

/** Deadline of one etcd request when the config does not set one; the same in every environment. */
export const ETCD_REQUEST_TIMEOUT_MS_DEFAULT = 2_000;

/**
 * Which engine backs the locks. Apps validate this inside their own config.ts (from
 * `LOCKS_ENGINE`, `ETCD_ENDPOINTS`, ...) and hand the result to `createDistributedLocks`.
 */
export const locksConfigSchema = z.discriminatedUnion('engine', [
  z.object({
    engine: z.literal('etcd'),
    endpoints: z
      .array(
        z
          .string()
          .url()
          .refine((url) => /^https?:\/\//.test(url), 'etcd endpoints are http:// or https:// URLs'),
      )
      .min(1),
    prefix: z
      .string()
      .min(1)
      .refine((prefix) => !prefix.endsWith('/'), 'prefix must not end with /'),
    requestTimeoutMs: z.number().int().positive().default(ETCD_REQUEST_TIMEOUT_MS_DEFAULT),
  }),
  z.object({ engine: z.literal('in-process') }),
]);

export type LocksConfig = z.input<typeof locksConfigSchema>;
