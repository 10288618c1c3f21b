/**
 * The event bus port (ARCHITECTURE §7, §8): at-least-once, ordered per key, consumer groups.
 * Adapters: Kafka (kafkajs) in production, a durable SQLite log embedded.
 */

/** One envelope for every event. `key` is the partition key (the account id). */
export interface EventEnvelope<TData = unknown> {
  /** Snowflake, decimal string. Consumers deduplicate on it. */
  readonly id: string;
  /** `<domain>.<entity>.<past-tense-verb>.v<N>`, e.g. `authorization.transaction.authorized.v1`. */
  readonly type: string;
  readonly version: number;
  /** RFC 3339, UTC. */
  readonly occurredAt: string;
  readonly key: string;
  /** W3C trace context; travels as the `traceparent` message header. */
  readonly traceparent?: string;
  readonly data: TData;
}

export interface DeliveryContext {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** 1 on first delivery inside this process; grows with each retry. */
  readonly attempt: number;
}

/** Resolving means the effect is durable: only then is the offset committed. */
export type EventHandler = (event: EventEnvelope, context: DeliveryContext) => Promise<void>;

export interface RetryPolicy {
  /** Tries before the event goes to the dead-letter topic. */
  readonly attemptsMax: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
}

/**
 * A group that has never committed on the topic starts at the oldest retained event (Kafka:
 * `fromBeginning: true`), so events published before the first subscribe are not skipped.
 */
export interface SubscriptionOptions {
  readonly topic: string;
  readonly groupId: string;
  readonly handler: EventHandler;
  readonly retry?: RetryPolicy;
  /** Defaults to `<topic>.dead-letter`. */
  readonly deadLetterTopic?: string;
}

export interface Subscription {
  /** Graceful drain: stops fetching, lets in-flight handlers finish, commits, leaves the group. */
  stop(): Promise<void>;
}

/**
 * Errors: publish throws PlatformError `unavailable.bus` (retryable) when the events are not
 * durably accepted; nothing is half-published per event (each event is accepted or not).
 */
export interface EventBus {
  /** Resolves once every event is durably stored (Kafka: acks=all). */
  publish(topic: string, events: readonly EventEnvelope[]): Promise<void>;
  subscribe(options: SubscriptionOptions): Promise<Subscription>;
  ping(): Promise<void>;
  /** Stops every subscription (draining) and releases connections. */
  close(): Promise<void>;
}

export const EVENT_BUS = Symbol('EVENT_BUS');
