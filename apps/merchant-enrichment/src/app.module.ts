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

import { MERCHANT_ENRICHMENT_MIGRATIONS } from './adapters/merchant-tables';
import { StoreMerchantStore } from './adapters/store-merchant-store';
import {
  ENRICHMENT_SETTINGS,
  type EnrichmentSettings,
} from './application/enrich-transaction/enrich-transaction.command';
import { EnrichTransactionUseCase } from './application/enrich-transaction/enrich-transaction.use-case';
import { MERCHANT_ENRICHMENT_CONFIG, type MerchantEnrichmentConfig } from './config';
import { MERCHANT_STORE, type MerchantStore } from './ports/merchant-store.port';
import { authorizationTransactionsHandler } from './transport/bus/authorization-transactions.consumer';

/** Options for running in-process next to other services (the `bank` app, tests). */
export interface MerchantEnrichmentOverrides {
  /** A bus owned by the caller (not closed by this app); default: one built from config. */
  readonly eventBus?: EventBus;
  /**
   * Alone in its process: sets tracing up from the `observability` config (one per process, so a
   * host running several services, like the bank, does it once itself).
   */
  readonly ownsProcess?: boolean;
  /** Where log lines go; standard output when omitted (tests capture them). */
  readonly logDestination?: ObservabilityModuleOptions['logDestination'];
}

/** The lib's defaults (LOG_LEVEL info, no export), for hosts that give no observability section. */
function observabilitySection(config: MerchantEnrichmentConfig): ObservabilityConfig {
  return config.observability ?? loadConfig(observabilityConfigSchema, {});
}

const OWNS_EVENT_BUS = Symbol('OWNS_EVENT_BUS');

/** The subscription on authorization.transactions.v1: started at boot, drained first at shutdown. */
@Injectable()
export class MerchantEnrichmentConsumer
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private subscription: Subscription | undefined;

  constructor(
    @Inject(MERCHANT_ENRICHMENT_CONFIG) private readonly config: MerchantEnrichmentConfig,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly useCase: EnrichTransactionUseCase,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const settings = this.config.enrichment;
    this.subscription = await this.bus.subscribe({
      topic: TRANSACTION_TOPICS.authorization,
      groupId: settings.MERCHANT_ENRICHMENT_GROUP_ID,
      handler: tracedEventHandler(
        'merchant-enrichment.enrich_transaction',
        authorizationTransactionsHandler(this.useCase, {
          info: (fields, message) => this.logger.info(fields, message),
          warn: (fields, message) => this.logger.warn(fields, message),
        }),
      ),
      retry: {
        attemptsMax: settings.MERCHANT_ENRICHMENT_DELIVERY_ATTEMPTS_MAX,
        backoffInitialMs: settings.MERCHANT_ENRICHMENT_BACKOFF_INITIAL_MS,
        backoffMaxMs: settings.MERCHANT_ENRICHMENT_BACKOFF_MAX_MS,
      },
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }
}

/** Closes engines once the consumer has drained. */
@Injectable()
export class MerchantEnrichmentResources implements OnApplicationShutdown {
  constructor(
    @Inject(STORE) private readonly store: Store,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(OWNS_EVENT_BUS) private readonly ownsEventBus: boolean,
    @Inject(ID_GENERATOR_RUNTIME) private readonly ids: IdGeneratorRuntime,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.ownsEventBus) {
      await this.bus.close();
    }
    await this.store.close();
    await this.ids.close();
  }
}

@Module({})
export class AppModule {
  static forConfig(
    config: MerchantEnrichmentConfig,
    overrides: MerchantEnrichmentOverrides = {},
  ): DynamicModule {
    const observability = observabilityOptions(observabilitySection(config), 'merchant-enrichment');
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({
          serviceName: 'merchant-enrichment',
          logLevel: observability.logLevel,
          tracing: overrides.ownsProcess === true ? observability.tracing : false,
          processMetrics: overrides.ownsProcess === true,
          logDestination: overrides.logDestination,
        }),
      ],
      providers: [
        { provide: MERCHANT_ENRICHMENT_CONFIG, useValue: config },
        { provide: CLOCK, useValue: systemClock },
        {
          provide: ENRICHMENT_SETTINGS,
          useValue: {
            logoBaseUrl: config.enrichment.MERCHANT_LOGO_BASE_URL,
            deadlineMs: config.enrichment.MERCHANT_ENRICHMENT_DEADLINE_MS,
            attemptsMax: config.enrichment.MERCHANT_ENRICHMENT_ATTEMPTS_MAX,
            backoffInitialMs: config.enrichment.MERCHANT_ENRICHMENT_BACKOFF_INITIAL_MS,
            backoffMaxMs: config.enrichment.MERCHANT_ENRICHMENT_BACKOFF_MAX_MS,
          } satisfies EnrichmentSettings,
        },
        {
          provide: STORE,
          inject: [CLOCK],
          useFactory: async (clock: Clock): Promise<Store> => {
            const store = await createStore(config.store, { clock });
            try {
              await store.migrate(MERCHANT_ENRICHMENT_MIGRATIONS);
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
          provide: MERCHANT_STORE,
          inject: [STORE],
          useFactory: (store: Store): MerchantStore => new StoreMerchantStore(store),
        },
        {
          provide: EnrichTransactionUseCase,
          inject: [MERCHANT_STORE, EVENT_BUS, ID_GENERATOR, CLOCK, ENRICHMENT_SETTINGS],
          useFactory: (
            merchants: MerchantStore,
            bus: EventBus,
            ids: IdGenerator,
            clock: Clock,
            settings: EnrichmentSettings,
          ) => new EnrichTransactionUseCase(merchants, bus, ids, clock, settings),
        },
        MerchantEnrichmentConsumer,
        MerchantEnrichmentResources,
      ],
    };
  }
}
