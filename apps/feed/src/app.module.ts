import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Registry } from 'prom-client';

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
  createLogger,
  createMetricsRegistry,
  HealthRegistry,
  LOGGER,
  type Logger,
  tracedEventHandler,
} from '@corebank/platform-observability';
import { createStore, STORE, type Store } from '@corebank/platform-storage';

import { FEED_MIGRATIONS } from './adapters/feed-tables';
import { GrpcAccountBalances } from './adapters/grpc-account-balances';
import { StoreFeedItemStore } from './adapters/store-feed-item-store';
import { FeedItemChanges } from './application/feed-item-changes';
import { GetBalanceUseCase } from './application/get-balance/get-balance.use-case';
import { PostBasicItemUseCase } from './application/post-basic-item/post-basic-item.use-case';
import { RecordTransactionUseCase } from './application/record-transaction/record-transaction.use-case';
import { UpdateMetadataUseCase } from './application/update-metadata/update-metadata.use-case';
import { FEED_CONFIG, type FeedConfig } from './config';
import { ACCOUNT_BALANCES, type AccountBalances } from './ports/account-balances.port';
import { FEED_ITEM_STORE, type FeedItemStore } from './ports/feed-item-store.port';
import { enrichedTransactionsHandler } from './transport/bus/enriched-transactions.consumer';
import { FeedMetrics } from './transport/feed-metrics';
import { FeedHttpServer } from './transport/http/feed-http-server';
import { OpsHttpServer } from './transport/http/ops-http-server';

/** Options for running in-process next to other services (the `bank` app, tests). */
export interface FeedOverrides {
  /** A bus owned by the caller (not closed by this app); default: one built from config. */
  readonly eventBus?: EventBus;
  /** Where log lines go; standard output by default. */
  readonly logger?: Logger;
}

/** The OpenAPI document checked in next to this app (apps/feed/openapi.json). */
export const OPENAPI_DOCUMENT_PATH = join(__dirname, '..', 'openapi.json');

const OWNS_EVENT_BUS = Symbol('OWNS_EVENT_BUS');

/** The subscription on enrichment.transactions.v1: started at boot, drained first at shutdown. */
@Injectable()
export class FeedConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscription: Subscription | undefined;

  constructor(
    @Inject(FEED_CONFIG) private readonly config: FeedConfig,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(RecordTransactionUseCase) private readonly useCase: RecordTransactionUseCase,
    @Inject(FeedMetrics) private readonly metrics: FeedMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const settings = this.config.feed;
    this.subscription = await this.bus.subscribe({
      topic: TRANSACTION_TOPICS.enrichment,
      groupId: settings.FEED_GROUP_ID,
      handler: tracedEventHandler(
        'feed.record_transaction',
        enrichedTransactionsHandler(
          this.useCase,
          {
            info: (fields, message) => this.logger.info(fields, message),
          },
          this.metrics,
        ),
      ),
      retry: {
        attemptsMax: settings.FEED_DELIVERY_ATTEMPTS_MAX,
        backoffInitialMs: settings.FEED_BACKOFF_INITIAL_MS,
        backoffMaxMs: settings.FEED_BACKOFF_MAX_MS,
      },
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }
}

/** The HTTP API and the ops port: listening once the app has booted, closed before the engines. */
@Injectable()
export class FeedHttp implements OnApplicationBootstrap, BeforeApplicationShutdown {
  port: number | undefined;
  opsPort: number | undefined;

  constructor(
    @Inject(FeedHttpServer) private readonly server: FeedHttpServer,
    @Inject(OpsHttpServer) private readonly ops: OpsHttpServer,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.opsPort = await this.ops.listen();
    this.port = await this.server.listen();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.ops.close();
    await this.server.close();
  }
}

const METRICS_REGISTRY_TOKEN = Symbol('FEED_METRICS_REGISTRY');
const HEALTH_REGISTRY_TOKEN = Symbol('FEED_HEALTH_REGISTRY');

/** Closes engines once the consumer and the HTTP server have stopped. */
@Injectable()
export class FeedResources implements OnApplicationShutdown {
  constructor(
    @Inject(STORE) private readonly store: Store,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(OWNS_EVENT_BUS) private readonly ownsEventBus: boolean,
    @Inject(ID_GENERATOR_RUNTIME) private readonly ids: IdGeneratorRuntime,
    @Inject(ACCOUNT_BALANCES) private readonly balances: AccountBalances,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    this.balances.close();
    if (this.ownsEventBus) {
      await this.bus.close();
    }
    await this.store.close();
    await this.ids.close();
  }
}

@Module({})
export class AppModule {
  static forConfig(config: FeedConfig, overrides: FeedOverrides = {}): DynamicModule {
    return {
      module: AppModule,
      providers: [
        { provide: FEED_CONFIG, useValue: config },
        { provide: CLOCK, useValue: systemClock },
        {
          provide: LOGGER,
          useValue:
            overrides.logger ??
            createLogger({ service: 'feed', level: config.feed.FEED_LOG_LEVEL }),
        },
        {
          provide: STORE,
          inject: [CLOCK],
          useFactory: async (clock: Clock): Promise<Store> => {
            const store = await createStore(config.store, { clock });
            try {
              await store.migrate(FEED_MIGRATIONS);
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
        {
          provide: METRICS_REGISTRY_TOKEN,
          useFactory: () => createMetricsRegistry({ service: 'feed' }),
        },
        {
          provide: FeedMetrics,
          inject: [METRICS_REGISTRY_TOKEN],
          useFactory: (registry: Registry) => new FeedMetrics(registry),
        },
        {
          provide: HEALTH_REGISTRY_TOKEN,
          inject: [STORE, EVENT_BUS],
          useFactory: (store: Store, bus: EventBus): HealthRegistry => {
            const health = new HealthRegistry();
            const timeoutMs = config.feed.FEED_HEALTH_CHECK_TIMEOUT_MS;
            health.register({
              name: 'store',
              probe: 'readiness',
              timeoutMs,
              run: () => store.ping(),
            });
            health.register({ name: 'bus', probe: 'readiness', timeoutMs, run: () => bus.ping() });
            return health;
          },
        },
        {
          provide: OpsHttpServer,
          inject: [METRICS_REGISTRY_TOKEN, HEALTH_REGISTRY_TOKEN],
          useFactory: (registry: Registry, health: HealthRegistry) =>
            new OpsHttpServer(
              config.feed.FEED_HTTP_HOST,
              config.feed.FEED_OPS_HTTP_PORT,
              registry,
              health,
            ),
        },
        {
          provide: FEED_ITEM_STORE,
          inject: [STORE],
          useFactory: (store: Store): FeedItemStore => new StoreFeedItemStore(store),
        },
        {
          provide: FeedItemChanges,
          inject: [EVENT_BUS, FEED_ITEM_STORE],
          useFactory: (bus: EventBus, items: FeedItemStore) => new FeedItemChanges(bus, items),
        },
        {
          provide: RecordTransactionUseCase,
          inject: [FEED_ITEM_STORE, FeedItemChanges, ID_GENERATOR, CLOCK],
          useFactory: (
            items: FeedItemStore,
            changes: FeedItemChanges,
            ids: IdGenerator,
            clock: Clock,
          ) => new RecordTransactionUseCase(items, changes, ids, clock),
        },
        {
          provide: UpdateMetadataUseCase,
          inject: [FEED_ITEM_STORE, FeedItemChanges, CLOCK],
          useFactory: (items: FeedItemStore, changes: FeedItemChanges, clock: Clock) =>
            new UpdateMetadataUseCase(items, changes, clock),
        },
        {
          provide: PostBasicItemUseCase,
          inject: [FEED_ITEM_STORE, FeedItemChanges, ID_GENERATOR, CLOCK],
          useFactory: (
            items: FeedItemStore,
            changes: FeedItemChanges,
            ids: IdGenerator,
            clock: Clock,
          ) => new PostBasicItemUseCase(items, changes, ids, clock),
        },
        {
          provide: ACCOUNT_BALANCES,
          useFactory: (): AccountBalances =>
            new GrpcAccountBalances(
              config.feed.FEED_LEDGER_GRPC_ADDRESS,
              config.feed.FEED_LEDGER_CALL_TIMEOUT_MS,
            ),
        },
        {
          provide: GetBalanceUseCase,
          inject: [ACCOUNT_BALANCES, FEED_ITEM_STORE, CLOCK],
          useFactory: (balances: AccountBalances, items: FeedItemStore, clock: Clock) =>
            new GetBalanceUseCase(balances, items, clock, {
              timeZone: config.feed.FEED_SPEND_TIME_ZONE,
              dayStartHour: config.feed.FEED_SPEND_DAY_START_HOUR,
              itemsMax: config.feed.FEED_SPEND_TODAY_ITEMS_MAX,
            }),
        },
        {
          provide: FeedHttpServer,
          inject: [
            FEED_ITEM_STORE,
            FeedItemChanges,
            UpdateMetadataUseCase,
            PostBasicItemUseCase,
            GetBalanceUseCase,
            CLOCK,
            LOGGER,
            FeedMetrics,
          ],
          useFactory: (
            items: FeedItemStore,
            changes: FeedItemChanges,
            updateMetadata: UpdateMetadataUseCase,
            postBasicItem: PostBasicItemUseCase,
            getBalance: GetBalanceUseCase,
            clock: Clock,
            logger: Logger,
            metrics: FeedMetrics,
          ) =>
            new FeedHttpServer(
              {
                host: config.feed.FEED_HTTP_HOST,
                port: config.feed.FEED_HTTP_PORT,
                bodyBytesMax: config.feed.FEED_REQUEST_BODY_BYTES_MAX,
                heartbeatMs: config.feed.FEED_SSE_HEARTBEAT_MS,
                bufferEventsMax: config.feed.FEED_SSE_BUFFER_EVENTS_MAX,
                resumeItemsMax: config.feed.FEED_SSE_RESUME_ITEMS_MAX,
              },
              {
                items,
                changes,
                updateMetadata,
                postBasicItem,
                getBalance,
                verifier: new TokenVerifier({ ...config.auth, clock }),
                clock,
                logger,
                metrics,
                openApiDocument: readFileSync(OPENAPI_DOCUMENT_PATH, 'utf8'),
              },
            ),
        },
        FeedConsumer,
        FeedHttp,
        FeedResources,
      ],
    };
  }
}
