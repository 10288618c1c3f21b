import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';

import { ledgerV1 } from '@corebank/contracts-proto';
import { CLOCK, type Clock, systemClock } from '@corebank/platform-clock';
import {
  ConfiguredWorkerLease,
  ID_GENERATOR,
  type IdGenerator,
  SnowflakeGenerator,
} from '@corebank/platform-ids';
import {
  HEALTH_REGISTRY,
  type HealthRegistry,
  LOGGER,
  type Logger,
  METRICS_REGISTRY,
  ObservabilityModule,
  observabilityOptions,
  observeRpcServerCalls,
  type ProvidedTracing,
  TRACING,
} from '@corebank/platform-observability';
import { RpcServer } from '@corebank/platform-rpc';
import { createStore, STORE, type Store } from '@corebank/platform-storage';
import type { Registry } from 'prom-client';

import { LEDGER_MIGRATIONS } from './adapters/ledger-tables';
import { StoreLedgerRepository } from './adapters/store-ledger-repository';
import {
  createLedgerApplication,
  LEDGER_APPLICATION,
  type LedgerApplication,
} from './application/ledger-application';
import { LEDGER_CONFIG, type LedgerConfig } from './config';
import { OpsHttpServer, type ProcessHosting } from './ops/ops-http-server';
import { LEDGER_REPOSITORY, type LedgerRepository } from './ports/ledger-repository.port';
import { createLedgerGrpcHandlers } from './transport/grpc/ledger.grpc-handler';
import { ExpirySweeper } from './transport/schedule/expiry-sweeper';

const GRPC_MESSAGE_BYTES_MAX = 16 * 1024 * 1024;

/** Serves gRPC and runs the expiry sweeper; stops both before resources close. */
@Injectable()
export class LedgerTransports implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly server: RpcServer;
  private readonly sweeper: ExpirySweeper;
  boundPort: number | undefined;

  constructor(
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(LEDGER_APPLICATION) app: LedgerApplication,
    @Inject(METRICS_REGISTRY) metrics: Registry,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.server = new RpcServer({
      onCallCompleted: observeRpcServerCalls(metrics, logger),
      channelOptions: {
        'grpc.max_receive_message_length': GRPC_MESSAGE_BYTES_MAX,
        'grpc.max_send_message_length': GRPC_MESSAGE_BYTES_MAX,
      },
    });
    this.server.addService(ledgerV1.LedgerServiceService, createLedgerGrpcHandlers(app));
    this.sweeper = new ExpirySweeper(app.expirePendingTransfers, {
      intervalMs: config.ledger.LEDGER_EXPIRY_SWEEP_INTERVAL_MS,
      itemsMax: config.ledger.LEDGER_EXPIRY_SWEEP_ITEMS_MAX,
      onError: (error) => logger.warn({ err: error }, 'expiry sweep failed'),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.boundPort = await this.server.listen(
      this.config.ledger.LEDGER_GRPC_HOST,
      this.config.ledger.LEDGER_GRPC_PORT,
    );
    if (this.config.ledger.LEDGER_EXPIRY_SWEEP_ENABLED) {
      this.sweeper.start();
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.sweeper.stop();
    await this.server.shutdown(this.config.ledger.LEDGER_SHUTDOWN_GRACE_MS);
  }
}

/** Closes the committer, then the store, once transports have stopped. */
@Injectable()
export class LedgerResources implements OnApplicationShutdown {
  constructor(
    @Inject(LEDGER_APPLICATION) private readonly app: LedgerApplication,
    @Inject(STORE) private readonly store: Store,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.app.close();
    await this.store.close();
  }
}

const PROCESS_HOSTING = Symbol('PROCESS_HOSTING');

/**
 * The operations port: liveness (the process answers), readiness (the store answers a ping),
 * /metrics and /traces. It opens first and closes last, so probes see the whole lifecycle.
 */
@Injectable()
export class LedgerOps implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly server: OpsHttpServer;
  boundPort: number | undefined;

  constructor(
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(HEALTH_REGISTRY) health: HealthRegistry,
    @Inject(METRICS_REGISTRY) metrics: Registry,
    @Inject(TRACING) tracing: ProvidedTracing,
    @Inject(PROCESS_HOSTING) hosting: ProcessHosting,
    @Inject(STORE) store: Store,
  ) {
    health.register({
      name: 'store',
      probe: 'readiness',
      timeoutMs: config.ops.OPS_HEALTH_CHECK_TIMEOUT_MS,
      run: () => store.ping(),
    });
    const traces = tracing?.recorder ?? hosting.traceRecorder;
    this.server = new OpsHttpServer({ health, metrics, ...(traces ? { traces } : {}) });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.boundPort = await this.server.listen(
      this.config.ops.OPS_HTTP_HOST,
      this.config.ops.OPS_HTTP_PORT,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server.close();
  }
}

/** Everything but the config, which the caller supplies (main: from the environment). */
function ledgerProviders(config: LedgerConfig): Provider[] {
  return [
    { provide: LEDGER_CONFIG, useValue: config },
    { provide: CLOCK, useValue: systemClock },
    {
      provide: STORE,
      inject: [LEDGER_CONFIG, CLOCK],
      useFactory: async (config: LedgerConfig, clock: Clock): Promise<Store> => {
        const store = await createStore(config.store, { clock });
        await store.migrate(LEDGER_MIGRATIONS);
        return store;
      },
    },
    {
      provide: ID_GENERATOR,
      inject: [LEDGER_CONFIG, CLOCK],
      useFactory: (config: LedgerConfig, clock: Clock): IdGenerator =>
        new SnowflakeGenerator({
          clock,
          workerLease: new ConfiguredWorkerLease(config.ledger.LEDGER_WORKER_ID),
        }),
    },
    {
      provide: LEDGER_REPOSITORY,
      inject: [LEDGER_CONFIG, STORE, CLOCK],
      useFactory: (config: LedgerConfig, store: Store, clock: Clock): LedgerRepository =>
        new StoreLedgerRepository({
          store,
          clock,
          commitLeaseMs: config.ledger.LEDGER_COMMIT_LEASE_MS,
          batchStatementsMax: config.ledger.LEDGER_STORE_BATCH_STATEMENTS_MAX,
          getManyKeysMax: config.ledger.LEDGER_STORE_GET_MANY_KEYS_MAX,
          commitStatusCacheMax: config.ledger.LEDGER_COMMIT_STATUS_CACHE_MAX,
        }),
    },
    {
      provide: LEDGER_APPLICATION,
      inject: [LEDGER_CONFIG, LEDGER_REPOSITORY, ID_GENERATOR, CLOCK],
      useFactory: (
        config: LedgerConfig,
        repository: LedgerRepository,
        ids: IdGenerator,
        clock: Clock,
      ): LedgerApplication =>
        createLedgerApplication({
          repository,
          ids,
          clock,
          groupCommit: {
            windowMs: config.ledger.LEDGER_GROUP_COMMIT_WINDOW_MS,
            groupItemsMax: config.ledger.LEDGER_GROUP_COMMIT_ITEMS_MAX,
            queueItemsMax: config.ledger.LEDGER_COMMIT_QUEUE_ITEMS_MAX,
            attemptsMax: config.ledger.LEDGER_COMMIT_ATTEMPTS_MAX,
            backoffMaxMs: config.ledger.LEDGER_COMMIT_BACKOFF_MAX_MS,
          },
        }),
    },
    LedgerTransports,
    LedgerResources,
    LedgerOps,
  ];
}

/** The ledger; `AppModule.forConfig` boots it from a validated config (main, bank, tests). */
@Module({})
export class AppModule {
  static forConfig(config: LedgerConfig, hosting: ProcessHosting = {}): DynamicModule {
    const observability = observabilityOptions(config.observability, 'ledger');
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({
          serviceName: 'ledger',
          logLevel: observability.logLevel,
          tracing: hosting.ownsProcess === true ? observability.tracing : false,
          processMetrics: hosting.processMetrics ?? hosting.ownsProcess === true,
          logDestination: hosting.logDestination,
        }),
      ],
      providers: [...ledgerProviders(config), { provide: PROCESS_HOSTING, useValue: hosting }],
    };
  }
}
