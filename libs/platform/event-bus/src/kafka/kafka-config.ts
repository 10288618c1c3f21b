import { z } from 'zod';

/**
 * Settings of the Kafka adapter. Apps validate their environment in their own config.ts
 * (`KAFKA_BROKERS`, `KAFKA_SESSION_TIMEOUT_MS`, ...) and pass the result here; defaults are only
 * for values that are the same in every environment. Tests shorten the timeouts (the librdkafka
 * mock's group coordinator waits `sessionTimeoutMs - 1 s` per rebalance).
 */
export const kafkaEventBusConfigSchema = z
  .object({
    /** `host:port` of the bootstrap brokers. No default: an endpoint. */
    brokers: z.array(z.string().regex(/^[^\s:,]+:\d{1,5}$/, 'expected host:port')).min(1),
    clientId: z.string().min(1).max(200),
    /** Deadline of one request to a broker (a produce waits for acks=all inside it). */
    requestTimeoutMs: z.number().int().min(100).max(120_000).default(30_000),
    connectionTimeoutMs: z.number().int().min(100).max(60_000).default(3_000),
    /** Client-level retries of one request (kafkajs `retry`), with exponential backoff. */
    requestRetriesMax: z.number().int().min(0).max(100).default(10),
    requestRetryInitialMs: z.number().int().min(1).max(60_000).default(100),
    requestRetryMaxMs: z.number().int().min(1).max(300_000).default(5_000),
    /** Events per produce request; a larger publish is split into sequential batches. */
    publishBatchSizeMax: z.number().int().min(1).max(10_000).default(500),
    /** A member that sends no heartbeat for this long is evicted from its group. */
    sessionTimeoutMs: z.number().int().min(1_000).max(300_000).default(30_000),
    /** How long the coordinator waits for members to rejoin during a rebalance. */
    rebalanceTimeoutMs: z.number().int().min(1_000).max(600_000).default(60_000),
    heartbeatIntervalMs: z.number().int().min(100).max(60_000).default(3_000),
    /** How long a broker may hold a fetch open waiting for new messages. */
    fetchMaxWaitMs: z.number().int().min(10).max(30_000).default(1_000),
    /** Partitions whose batches are handled at the same time by one subscription. */
    partitionsConsumedConcurrently: z.number().int().min(1).max(256).default(8),
    /** Different keys whose handlers may run at the same time within one subscription. */
    keyConcurrencyMax: z.number().int().min(1).max(1_000).default(16),
    /** Fetched messages held in memory per subscription before fetching pauses. */
    bufferedMessagesMax: z.number().int().min(1).max(1_000_000).default(10_000),
    /** Offsets of finished messages are committed at most this often. */
    commitIntervalMs: z.number().int().min(1).max(60_000).default(200),
    /**
     * Upper bound on how long one fetched batch may take to finish (handlers, retries,
     * dead-lettering, commit). Past it the subscription gives the batch up: it drains what runs,
     * and the uncommitted rest is fetched again from the committed position.
     */
    batchCompletionTimeoutMs: z.number().int().min(1_000).max(3_600_000).default(300_000),
    /**
     * Lets the client create a missing topic by asking for its metadata. Off in production,
     * where topics are provisioned with their partition count and replication factor.
     */
    allowAutoTopicCreation: z.boolean().default(false),
  })
  .strict()
  .refine((config) => config.heartbeatIntervalMs * 3 <= config.sessionTimeoutMs, {
    message: 'heartbeatIntervalMs must be at most a third of sessionTimeoutMs',
    path: ['heartbeatIntervalMs'],
  })
  .refine((config) => config.requestRetryInitialMs <= config.requestRetryMaxMs, {
    message: 'requestRetryInitialMs must not exceed requestRetryMaxMs',
    path: ['requestRetryInitialMs'],
  });

/** What callers pass (defaults may be omitted). */
export type KafkaEventBusConfigInput = z.input<typeof kafkaEventBusConfigSchema>;
/** The validated settings with every default filled in. */
export type KafkaEventBusConfig = Readonly<z.output<typeof kafkaEventBusConfigSchema>>;
