import { z } from 'zod';

/**
 * Settings of the embedded (SQLite) adapter. Apps validate their environment in their own
 * config.ts and pass the result here; only `path` has no default (it is per deployment).
 */
export const embeddedEventBusConfigSchema = z
  .object({
    /** The SQLite file holding the log, offsets and group members (created if missing). */
    path: z.string().min(1),
    /** Partitions of a topic created by this bus; an existing topic keeps its own count. */
    partitionsDefault: z.number().int().min(1).max(256).default(8),
    /**
     * How often an idle subscription checks for events appended by another process. Publishes
     * in this process wake subscriptions at once and do not wait for it.
     */
    pollIntervalMs: z.number().int().min(1).max(5_000).default(25),
    /** Messages read from one partition per fetch. */
    fetchBatchSizeMax: z.number().int().min(1).max(10_000).default(500),
    /** Different keys whose handlers may run at the same time within one subscription. */
    keyConcurrencyMax: z.number().int().min(1).max(1_000).default(16),
    /** Fetched messages held in memory per subscription before fetching pauses. */
    bufferedMessagesMax: z.number().int().min(1).max(1_000_000).default(5_000),
    /** Offsets of finished messages are committed at most this often. */
    commitIntervalMs: z.number().int().min(0).max(60_000).default(10),
    /**
     * A message every group has committed past is deleted once it is older than this; kept a
     * while so an operator can still read what was just consumed.
     */
    retentionConsumedMs: z.number().int().min(0).max(2_592_000_000).default(600_000),
    /**
     * Hard bound: a message older than this is deleted even if some group has not consumed it
     * (that group then skips ahead to the oldest retained message, as with Kafka's retention.ms).
     */
    retentionMaxAgeMs: z.number().int().min(60_000).max(31_536_000_000).default(604_800_000),
    /** How often retention runs. */
    retentionIntervalMs: z.number().int().min(100).max(3_600_000).default(30_000),
    /** Messages deleted per partition per retention run, so one run never stalls the process. */
    retentionDeleteBatchMax: z.number().int().min(1).max(1_000_000).default(10_000),
    /** A group member (process) without a heartbeat for this long may be replaced. */
    memberSessionTimeoutMs: z.number().int().min(1_000).max(300_000).default(10_000),
    /** How long a write waits for another process holding SQLite's write lock. */
    busyTimeoutMs: z.number().int().min(0).max(60_000).default(5_000),
    /**
     * Failures in a row (log unreadable, dead-letter topic unwritable) a subscription retries,
     * every `failureRetryDelayMs`, before it stops and logs an error.
     */
    consecutiveFailuresMax: z.number().int().min(0).max(1_000).default(20),
    failureRetryDelayMs: z.number().int().min(1).max(60_000).default(500),
  })
  .strict()
  .refine((config) => config.retentionConsumedMs <= config.retentionMaxAgeMs, {
    message: 'retentionConsumedMs must not exceed retentionMaxAgeMs',
    path: ['retentionConsumedMs'],
  });

/** What callers pass (defaults may be omitted). */
export type EmbeddedEventBusConfigInput = z.input<typeof embeddedEventBusConfigSchema>;
/** The validated settings with every default filled in. */
export type EmbeddedEventBusConfig = Readonly<z.output<typeof embeddedEventBusConfigSchema>>;
