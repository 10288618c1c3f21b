import {
  type Admin,
  Kafka,
  type LogEntry,
  logLevel,
  type Message,
  Partitioners,
  type Producer,
} from 'kafkajs';

import { PlatformError } from '@corebank/platform-errors';

import type { OutboundMessage } from '../delivery/messages';
import { encodeEnvelope } from '../envelope/envelope';
import type { EventBus, EventEnvelope, Subscription, SubscriptionOptions } from '../event-bus.port';
import {
  type KafkaEventBusConfig,
  type KafkaEventBusConfigInput,
  kafkaEventBusConfigSchema,
} from './kafka-config';
import { toKafkaMessage } from './kafka-messages';
import { KafkaSubscription } from './kafka-subscription';

/** acks=all: the leader answers only once every in-sync replica has the message. */
const ACKS_ALL = -1;

/** Where the adapter reports what it handled itself and what kafkajs logs at warn or error. */
export interface KafkaEventBusLogger {
  warn(message: string, fields: Readonly<Record<string, unknown>>): void;
  error(message: string, fields: Readonly<Record<string, unknown>>): void;
}

export interface KafkaEventBusOptions {
  /** Defaults to JSON lines on stderr. */
  readonly logger?: KafkaEventBusLogger;
}

const stderrLogger: KafkaEventBusLogger = {
  warn: (message, fields) => {
    process.stderr.write(`${JSON.stringify({ level: 'warn', message, ...fields })}\n`);
  },
  error: (message, fields) => {
    process.stderr.write(`${JSON.stringify({ level: 'error', message, ...fields })}\n`);
  },
};

function describeCause(error: PlatformError): Record<string, unknown> {
  const cause = error.cause;
  return {
    code: error.code,
    ...error.params,
    cause: cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause),
  };
}

/**
 * The event bus on Kafka (kafkajs 2.2.4), ARCHITECTURE §7–8.
 *
 * Publishing: each event becomes one keyed message (key = envelope key, so one account's events
 * share a partition and stay in order), with `event-type` and `traceparent` headers, sent in
 * batches with acks=all and one request in flight (a retried request cannot overtake a later
 * one). Subscribing: one consumer-group member per subscription, auto-commit off, delivery and
 * commits through the shared DeliveryPipeline (see KafkaSubscription).
 *
 * The idempotent producer is not used: the test engine (librdkafka 2.0.2's mock) cannot serve
 * it, and consumers are idempotent on the event id anyway (at-least-once, §8).
 */
export class KafkaEventBus implements EventBus {
  readonly config: KafkaEventBusConfig;
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly logger: KafkaEventBusLogger;
  private readonly subscriptions = new Set<KafkaSubscription>();
  private producerConnection: Promise<void> | undefined;
  private admin: Admin | undefined;
  private closePromise: Promise<void> | undefined;

  /** Throws PlatformError `invalid.bus_config` (not retryable) for an invalid configuration. */
  constructor(config: KafkaEventBusConfigInput, options: KafkaEventBusOptions = {}) {
    const parsed = kafkaEventBusConfigSchema.safeParse(config);
    if (!parsed.success) {
      throw new PlatformError('invalid.bus_config', 'invalid Kafka event bus configuration', {
        retryable: false,
        params: {
          issues: parsed.error.issues
            .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
            .join('; '),
        },
      });
    }
    this.config = Object.freeze(parsed.data);
    this.logger = options.logger ?? stderrLogger;
    const logger = this.logger;
    this.kafka = new Kafka({
      clientId: this.config.clientId,
      brokers: [...this.config.brokers],
      requestTimeout: this.config.requestTimeoutMs,
      connectionTimeout: this.config.connectionTimeoutMs,
      retry: {
        retries: this.config.requestRetriesMax,
        initialRetryTime: this.config.requestRetryInitialMs,
        maxRetryTime: this.config.requestRetryMaxMs,
      },
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ namespace, level, log }: LogEntry) => {
          const { message, timestamp: _timestamp, ...fields } = log;
          // kafkajs logs every refused request (a commit mid-rebalance, a broker that went
          // away) as an error from its Connection, then retries or rejoins: that is degraded
          // but handled, so a warning. Its other errors (a consumer crash) stay errors.
          if (level === logLevel.ERROR && namespace !== 'Connection') {
            logger.error(`kafkajs: ${message}`, { namespace, ...fields });
          } else {
            logger.warn(`kafkajs: ${message}`, { namespace, ...fields });
          }
        },
    });
    this.producer = this.kafka.producer({
      allowAutoTopicCreation: this.config.allowAutoTopicCreation,
      idempotent: false,
      maxInFlightRequests: 1,
      // murmur2 over the key, as the Java client: every producer puts a key in the same partition.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  /**
   * Resolves once every event is stored with acks=all. Events go out in batches of
   * `publishBatchSizeMax`, in order; on failure the earlier batches may be stored and the caller
   * retries the whole publish (consumers deduplicate on the event id).
   *
   * Throws PlatformError `invalid.event_envelope` (not retryable) before sending anything when an
   * event is invalid, and `unavailable.bus` (retryable) when Kafka did not accept a batch.
   */
  async publish(topic: string, events: readonly EventEnvelope[]): Promise<void> {
    this.assertOpen();
    if (events.length === 0) {
      return;
    }
    const messages: Message[] = events.map((event) => {
      const encoded = encodeEnvelope(event);
      return { key: encoded.key, value: encoded.value, headers: { ...encoded.headers } };
    });
    await this.connectProducer();
    const { publishBatchSizeMax } = this.config;
    for (let start = 0; start < messages.length; start += publishBatchSizeMax) {
      try {
        await this.producer.send({
          topic,
          acks: ACKS_ALL,
          timeout: this.config.requestTimeoutMs,
          messages: messages.slice(start, start + publishBatchSizeMax),
        });
      } catch (cause) {
        throw new PlatformError('unavailable.bus', 'Kafka did not accept the events', {
          retryable: true,
          params: { topic, eventsStored: start, eventsTotal: messages.length },
          cause,
        });
      }
    }
  }

  /**
   * Joins `groupId` on `topic` and delivers each event to `handler` at least once, in order per
   * key. Resolves after the first group join.
   *
   * Throws PlatformError `invalid.retry_policy` / `invalid.delivery_options` (not retryable) for
   * bad options, and `unavailable.bus` (retryable) when the group cannot be joined.
   */
  async subscribe(options: SubscriptionOptions): Promise<Subscription> {
    this.assertOpen();
    const subscription = await KafkaSubscription.start({
      kafka: this.kafka,
      config: this.config,
      options,
      publishDeadLetter: (topic, message) => this.publishDeadLetter(topic, message),
      reportError: (error) => this.logger.warn(error.message, describeCause(error)),
      reportFailure: (error) => this.logger.error(error.message, describeCause(error)),
    });
    const tracked: Subscription = {
      stop: async () => {
        this.subscriptions.delete(subscription);
        await subscription.stop();
      },
    };
    this.subscriptions.add(subscription);
    return tracked;
  }

  /** Throws PlatformError `unavailable.bus` (retryable) when no broker answers. */
  async ping(): Promise<void> {
    this.assertOpen();
    try {
      this.admin ??= this.kafka.admin();
      await this.admin.connect();
      await this.admin.describeCluster();
    } catch (cause) {
      throw new PlatformError('unavailable.bus', 'Kafka cluster did not answer', {
        retryable: true,
        cause,
      });
    }
  }

  /** Drains every subscription, then disconnects. Idempotent. */
  close(): Promise<void> {
    this.closePromise ??= this.closeOnce();
    return this.closePromise;
  }

  private async closeOnce(): Promise<void> {
    const stopping = [...this.subscriptions].map((subscription) => subscription.stop());
    this.subscriptions.clear();
    const results = await Promise.allSettled(stopping);
    await this.producer.disconnect();
    await this.admin?.disconnect();
    const failure = results.find((result) => result.status === 'rejected');
    if (failure !== undefined) {
      throw failure.reason;
    }
  }

  private async publishDeadLetter(topic: string, message: OutboundMessage): Promise<void> {
    await this.connectProducer();
    await this.producer.send({
      topic,
      acks: ACKS_ALL,
      timeout: this.config.requestTimeoutMs,
      messages: [toKafkaMessage(message)],
    });
  }

  private connectProducer(): Promise<void> {
    this.producerConnection ??= this.producer.connect().catch((cause: unknown) => {
      // Forget the failed attempt so the next publish tries again.
      this.producerConnection = undefined;
      throw new PlatformError('unavailable.bus', 'could not connect the Kafka producer', {
        retryable: true,
        cause,
      });
    });
    return this.producerConnection;
  }

  private assertOpen(): void {
    if (this.closePromise !== undefined) {
      throw new PlatformError('unavailable.bus_closed', 'the event bus was closed', {
        retryable: false,
      });
    }
  }
}
