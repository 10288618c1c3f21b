import { z } from 'zod';

import { envList, envMilliseconds, envString } from '@corebank/platform-config';

import type { EventBusConfig } from './create-event-bus';

export interface EventBusConfigDefaults {
  /** The Kafka client id when KAFKA_CLIENT_ID is unset: the app's name, so broker logs tell apps apart. */
  readonly clientId: string;
  /** Where the embedded log lives when EVENT_BUS_PATH is unset. */
  readonly embeddedPath?: string;
}

/**
 * The `bus` config section every app shares: the embedded SQLite log unless KAFKA_BROKERS is set.
 * The Kafka timeouts are here so an operator (or a test on the librdkafka mock, whose group
 * coordinator waits `session - 1 s` per rebalance) can set them for every app the same way.
 */
export function eventBusConfigSchema(defaults: EventBusConfigDefaults) {
  return z
    .object({
      EVENT_BUS_PATH: envString({ default: defaults.embeddedPath ?? 'data/event-bus.db' }),
      KAFKA_BROKERS: envList(z.string()).optional(),
      KAFKA_CLIENT_ID: envString({ default: defaults.clientId }),
      KAFKA_REQUEST_TIMEOUT_MS: envMilliseconds({ default: 30_000, min: 100, max: 120_000 }),
      KAFKA_SESSION_TIMEOUT_MS: envMilliseconds({ default: 30_000, min: 1_000, max: 300_000 }),
      KAFKA_HEARTBEAT_INTERVAL_MS: envMilliseconds({ default: 3_000, min: 100, max: 60_000 }),
      KAFKA_FETCH_MAX_WAIT_MS: envMilliseconds({ default: 1_000, min: 10, max: 30_000 }),
    })
    .transform((env): EventBusConfig =>
      env.KAFKA_BROKERS === undefined
        ? { engine: 'embedded', path: env.EVENT_BUS_PATH }
        : {
            engine: 'kafka',
            brokers: [...env.KAFKA_BROKERS],
            clientId: env.KAFKA_CLIENT_ID,
            requestTimeoutMs: env.KAFKA_REQUEST_TIMEOUT_MS,
            sessionTimeoutMs: env.KAFKA_SESSION_TIMEOUT_MS,
            heartbeatIntervalMs: env.KAFKA_HEARTBEAT_INTERVAL_MS,
            fetchMaxWaitMs: env.KAFKA_FETCH_MAX_WAIT_MS,
          },
    );
}
