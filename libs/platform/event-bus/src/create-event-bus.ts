import type { Clock } from '@corebank/platform-clock';

import type { EmbeddedEventBusConfigInput } from './embedded/embedded-config';
import { EmbeddedEventBus } from './embedded/embedded-event-bus';
import type { EmbeddedEventBusLogger } from './embedded/embedded-subscription';
import type { EventBus } from './event-bus.port';
import { KafkaEventBus, type KafkaEventBusConfigInput } from './kafka';

/**
 * Which engine carries the events. JSON-serialisable on purpose: apps build it in their
 * config.ts, and tests hand it to consumer child processes.
 */
export type EventBusConfig =
  | ({ readonly engine: 'embedded' } & EmbeddedEventBusConfigInput)
  | ({ readonly engine: 'kafka' } & KafkaEventBusConfigInput);

export interface CreateEventBusOptions {
  /** Embedded engine only (message timestamps, retention, heartbeats). */
  readonly clock?: Clock;
  /** Where adapters report problems they handled; defaults to JSON lines on stderr. */
  readonly logger?: EmbeddedEventBusLogger;
}

/**
 * Builds the bus for the configured engine. Throws PlatformError `invalid.bus_config` for an
 * invalid configuration and, for the embedded engine, `unavailable.bus` when its file cannot be
 * opened. The Kafka bus connects lazily (first publish or subscribe).
 */
export function createEventBus(
  config: EventBusConfig,
  options: CreateEventBusOptions = {},
): EventBus {
  switch (config.engine) {
    case 'embedded': {
      const { engine: _engine, ...embedded } = config;
      return new EmbeddedEventBus(embedded, options);
    }
    case 'kafka': {
      const { engine: _engine, ...kafka } = config;
      return new KafkaEventBus(
        kafka,
        options.logger === undefined ? {} : { logger: options.logger },
      );
    }
  }
}
