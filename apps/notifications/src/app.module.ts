import { createServer, type Server } from 'node:http';

import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';

import { TRANSACTION_TOPICS } from '@corebank/domain-transaction-events';
import { TokenVerifier } from '@corebank/platform-auth';
import { CLOCK, type Clock, systemClock } from '@corebank/platform-clock';
import { loadConfig } from '@corebank/platform-config';
import {
  createEventBus,
  EVENT_BUS,
  type EventBus,
  type Subscription,
} from '@corebank/platform-event-bus';
import {
  createIdGenerator,
  ID_GENERATOR,
  ID_GENERATOR_RUNTIME,
  type IdGenerator,
  type IdGeneratorRuntime,
} from '@corebank/platform-ids';
import {
  createDistributedLocks,
  DISTRIBUTED_LOCKS,
  type DistributedLocks,
} from '@corebank/platform-locks';
import {
  LOGGER,
  type Logger,
  type ObservabilityConfig,
  observabilityConfigSchema,
  ObservabilityModule,
  type ObservabilityModuleOptions,
  observabilityOptions,
  tracedEventHandler,
} from '@corebank/platform-observability';
import { createStore, STORE, type Store } from '@corebank/platform-storage';

import { ApnsProvider } from './adapters/apns-provider';
import { FcmProvider } from './adapters/fcm-provider';
import { NOTIFICATIONS_MIGRATIONS } from './adapters/notification-tables';
import { RoutingDeliveryProvider } from './adapters/routing-delivery-provider';
import { StoreNotificationStore } from './adapters/store-notification-store';
import { WebhookSender } from './adapters/webhook-sender';
import { WebPushProvider } from './adapters/web-push-provider';
import {
  DELIVERY_SETTINGS,
  type DeliverySettings,
} from './application/deliver-feed-item/deliver-feed-item.command';
import { DeliverFeedItemUseCase } from './application/deliver-feed-item/deliver-feed-item.use-case';
import { ManageRegistrationsUseCase } from './application/manage-registrations/manage-registrations.use-case';
import { NOTIFICATIONS_CONFIG, type NotificationsConfig } from './config';
import { DELIVERY_PROVIDER, type DeliveryProvider } from './ports/delivery-provider.port';
import { NOTIFICATION_STORE, type NotificationStore } from './ports/notification-store.port';
import { feedItemsHandler } from './transport/bus/feed-items.consumer';
import { RegistrationHttpHandler } from './transport/http/registration.http-handler';

/** Options for running in-process next to other services (the `bank` app, tests). */
export interface NotificationsOverrides {
  /** A bus owned by the caller (not closed by this app); default: one built from config. */
  readonly eventBus?: EventBus;
  /** Locks owned by the caller (not closed by this app); default: built from config. */
  readonly locks?: DistributedLocks;
  /** Wraps the store adapter, e.g. to observe marker writes in crash tests. */
  readonly wrapNotificationStore?: (store: NotificationStore) => NotificationStore;
  /**
   * Alone in its process: sets tracing up from the `observability` config (one per process, so a
   * host running several services, like the bank, does it once itself).
   */
  readonly ownsProcess?: boolean;
  /** Where log lines go; standard output when omitted (tests capture them). */
  readonly logDestination?: ObservabilityModuleOptions['logDestination'];
}

/** The lib's defaults (LOG_LEVEL info, no export), for hosts that give no observability section. */
function observabilitySection(config: NotificationsConfig): ObservabilityConfig {
  return config.observability ?? loadConfig(observabilityConfigSchema, {});
}

const OWNS_EVENT_BUS = Symbol('OWNS_EVENT_BUS');
const OWNS_LOCKS = Symbol('OWNS_LOCKS');
const HTTP_SERVER = Symbol('HTTP_SERVER');

/** The subscription on feed.items.v1: started at boot, drained first at shutdown. */
@Injectable()
export class FeedItemsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscription: Subscription | undefined;

  constructor(
    @Inject(NOTIFICATIONS_CONFIG) private readonly config: NotificationsConfig,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly useCase: DeliverFeedItemUseCase,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const settings = this.config.notifications;
    this.subscription = await this.bus.subscribe({
      topic: TRANSACTION_TOPICS.feedItems,
      groupId: settings.NOTIFICATIONS_GROUP_ID,
      handler: tracedEventHandler(
        'notifications.deliver_feed_item',
        feedItemsHandler(this.useCase, {
          info: (fields, message) => this.logger.info(fields, message),
          warn: (fields, message) => this.logger.warn(fields, message),
        }),
      ),
      retry: {
        attemptsMax: settings.NOTIFICATIONS_DELIVERY_ATTEMPTS_MAX,
        backoffInitialMs: settings.NOTIFICATIONS_BACKOFF_INITIAL_MS,
        backoffMaxMs: settings.NOTIFICATIONS_BACKOFF_MAX_MS,
      },
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }
}

/** The registration API's listener; bound at boot, closed before the consumer drains. */
@Injectable()
export class RegistrationHttpServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(NOTIFICATIONS_CONFIG) private readonly config: NotificationsConfig,
    @Inject(HTTP_SERVER) private readonly server: Server,
  ) {}

  onApplicationBootstrap(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(
        this.config.notifications.NOTIFICATIONS_HTTP_PORT,
        this.config.notifications.NOTIFICATIONS_HTTP_HOST,
        () => {
          this.server.off('error', reject);
          resolve();
        },
      );
    });
  }

  port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  beforeApplicationShutdown(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** Closes engines once the consumer has drained. */
@Injectable()
export class NotificationsResources implements OnApplicationShutdown {
  constructor(
    @Inject(STORE) private readonly store: Store,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(OWNS_EVENT_BUS) private readonly ownsEventBus: boolean,
    @Inject(DISTRIBUTED_LOCKS) private readonly locks: DistributedLocks,
    @Inject(OWNS_LOCKS) private readonly ownsLocks: boolean,
    @Inject(ID_GENERATOR_RUNTIME) private readonly ids: IdGeneratorRuntime,
    @Inject(DELIVERY_PROVIDER) private readonly provider: RoutingDeliveryProvider,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.ownsEventBus) {
      await this.bus.close();
    }
    if (this.ownsLocks) {
      await this.locks.close();
    }
    this.provider.close();
    await this.store.close();
    await this.ids.close();
  }
}

@Module({})
export class AppModule {
  static forConfig(
    config: NotificationsConfig,
    overrides: NotificationsOverrides = {},
  ): DynamicModule {
    const settings = config.notifications;
    const observability = observabilityOptions(observabilitySection(config), 'notifications');
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({
          serviceName: 'notifications',
          logLevel: observability.logLevel,
          tracing: overrides.ownsProcess === true ? observability.tracing : false,
          processMetrics: overrides.ownsProcess === true,
          logDestination: overrides.logDestination,
        }),
      ],
      providers: [
        { provide: NOTIFICATIONS_CONFIG, useValue: config },
        { provide: CLOCK, useValue: systemClock },
        {
          provide: DELIVERY_SETTINGS,
          useValue: {
            pushTtlMs: settings.NOTIFICATION_TTL_MS,
            pushAttemptsMax: settings.NOTIFICATIONS_PUSH_ATTEMPTS_MAX,
            webhookAttemptsMax: settings.NOTIFICATIONS_WEBHOOK_ATTEMPTS_MAX,
            backoffInitialMs: settings.NOTIFICATIONS_BACKOFF_INITIAL_MS,
            backoffMaxMs: settings.NOTIFICATIONS_BACKOFF_MAX_MS,
            lockTtlMs: settings.NOTIFICATIONS_LOCK_TTL_MS,
            lockWaitTimeoutMs: settings.NOTIFICATIONS_LOCK_WAIT_TIMEOUT_MS,
          } satisfies DeliverySettings,
        },
        {
          provide: STORE,
          inject: [CLOCK],
          useFactory: async (clock: Clock): Promise<Store> => {
            const store = await createStore(config.store, { clock });
            try {
              await store.migrate(NOTIFICATIONS_MIGRATIONS);
            } catch (error) {
              await store.close();
              throw error;
            }
            return store;
          },
        },
        {
          provide: ID_GENERATOR_RUNTIME,
          inject: [CLOCK],
          useFactory: (clock: Clock) => createIdGenerator(config.ids, { clock }),
        },
        {
          provide: ID_GENERATOR,
          inject: [ID_GENERATOR_RUNTIME],
          useFactory: (runtime: IdGeneratorRuntime): IdGenerator => runtime.generator,
        },
        { provide: OWNS_EVENT_BUS, useValue: overrides.eventBus === undefined },
        {
          provide: EVENT_BUS,
          useFactory: (): EventBus =>
            overrides.eventBus ??
            createEventBus(
              config.bus.engine === 'kafka'
                ? { ...config.bus, brokers: [...config.bus.brokers] }
                : { ...config.bus },
            ),
        },
        { provide: OWNS_LOCKS, useValue: overrides.locks === undefined },
        {
          provide: DISTRIBUTED_LOCKS,
          useFactory: (): DistributedLocks =>
            overrides.locks ??
            createDistributedLocks(
              config.locks.engine === 'etcd'
                ? { ...config.locks, endpoints: [...config.locks.endpoints] }
                : { ...config.locks },
            ),
        },
        {
          provide: NOTIFICATION_STORE,
          inject: [STORE, CLOCK],
          useFactory: (store: Store, clock: Clock): NotificationStore => {
            const adapter = new StoreNotificationStore(store, () => clock.now());
            return overrides.wrapNotificationStore?.(adapter) ?? adapter;
          },
        },
        {
          provide: DELIVERY_PROVIDER,
          inject: [CLOCK],
          useFactory: (clock: Clock): DeliveryProvider => {
            const nowMs = (): number => clock.nowMs();
            return new RoutingDeliveryProvider({
              ...(config.apns === undefined ? {} : { apns: new ApnsProvider(config.apns, nowMs) }),
              ...(config.fcm === undefined ? {} : { fcm: new FcmProvider(config.fcm, nowMs) }),
              ...(config.webPush === undefined
                ? {}
                : { webPush: new WebPushProvider(config.webPush, nowMs) }),
              webhooks: new WebhookSender(settings.NOTIFICATIONS_PROVIDER_TIMEOUT_MS, nowMs),
            });
          },
        },
        {
          provide: DeliverFeedItemUseCase,
          inject: [
            NOTIFICATION_STORE,
            DISTRIBUTED_LOCKS,
            DELIVERY_PROVIDER,
            CLOCK,
            DELIVERY_SETTINGS,
          ],
          useFactory: (
            store: NotificationStore,
            locks: DistributedLocks,
            provider: DeliveryProvider,
            clock: Clock,
            deliverySettings: DeliverySettings,
          ) => new DeliverFeedItemUseCase(store, locks, provider, clock, deliverySettings),
        },
        {
          provide: ManageRegistrationsUseCase,
          inject: [NOTIFICATION_STORE, ID_GENERATOR, CLOCK],
          useFactory: (store: NotificationStore, ids: IdGenerator, clock: Clock) =>
            new ManageRegistrationsUseCase(store, ids, clock),
        },
        {
          provide: HTTP_SERVER,
          inject: [ManageRegistrationsUseCase, CLOCK],
          useFactory: (registrations: ManageRegistrationsUseCase, clock: Clock): Server => {
            const handler = new RegistrationHttpHandler(registrations, {
              verifier: new TokenVerifier({ ...config.auth, clock }),
              requestBodyBytesMax: settings.NOTIFICATIONS_REQUEST_BODY_BYTES_MAX,
              webhookHttpAllowed: settings.NOTIFICATIONS_WEBHOOK_HTTP_ALLOWED,
              nowMs: () => clock.nowMs(),
            });
            return createServer(handler.listener);
          },
        },
        FeedItemsConsumer,
        RegistrationHttpServer,
        NotificationsResources,
      ],
    };
  }
}
