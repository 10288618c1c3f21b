import { randomInt } from 'node:crypto';

import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';

import { authorizationCardsV1, authorizationV1, ledgerV1 } from '@corebank/contracts-proto';
import { TokenVerifier } from '@corebank/platform-auth';
import { CLOCK, type Clock, systemClock } from '@corebank/platform-clock';
import { createEventBus, EVENT_BUS, type EventBus } from '@corebank/platform-event-bus';
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
  HEALTH_REGISTRY,
  type HealthCheck,
  type HealthRegistry,
  LOGGER,
  type Logger,
  METRICS_REGISTRY,
  ObservabilityModule,
  observabilityOptions,
  observeRpcClientCalls,
  observeRpcServerCalls,
  type ProvidedTracing,
  tcpConnectCheck,
  TRACING,
} from '@corebank/platform-observability';
import { createRpcClient, RpcServer } from '@corebank/platform-rpc';
import { createStore, STORE, type Store } from '@corebank/platform-storage';
import type { Registry } from 'prom-client';

import { AUTHORIZATION_MIGRATIONS } from './adapters/authorization-tables';
import { GrpcLedgerHolds } from './adapters/grpc-ledger-holds';
import { StoreAuthorizationStore } from './adapters/store-authorization-store';
import type { AuthorizationSettings } from './application/authorization-settings';
import { ManageCardsUseCase } from './application/manage-cards/manage-cards.use-case';
import { ProcessCardMessageUseCase } from './application/process-card-message/process-card-message.use-case';
import {
  OutboxRelay,
  OutboxRelayLoop,
  OutboxSignal,
} from './application/relay-outbox/outbox-relay';
import {
  RecheckLateHoldsLoop,
  RecheckLateHoldsUseCase,
} from './application/void-unconfirmed-decision/recheck-late-holds.use-case';
import { VoidUnconfirmedDecisionUseCase } from './application/void-unconfirmed-decision/void-unconfirmed-decision.use-case';
import { AUTHORIZATION_CONFIG, type AuthorizationConfig } from './config';
import { OpsHttpServer, type ProcessHosting } from './ops/ops-http-server';
import { AUTHORIZATION_STORE, type AuthorizationStore } from './ports/authorization-store.port';
import { LEDGER_HOLDS, type LedgerHolds } from './ports/ledger-holds.port';
import { authorizationGrpcHandlers } from './transport/grpc/authorization.grpc-handler';
import { cardsGrpcHandlers } from './transport/grpc/cards.grpc-handler';
import { CardsHttpServer } from './transport/http/cards-http-server';

const LEDGER_CLIENT = Symbol('LEDGER_CLIENT');
const OUTBOX_RELAY = Symbol('OUTBOX_RELAY');
const OUTBOX_SIGNAL = Symbol('OUTBOX_SIGNAL');
/** Rechecks per shard per run: voids before first sight are rare, so this bounds a burst. */
const LATE_HOLD_RECHECKS_PER_SHARD_MAX = 100;
const AUTHORIZATION_SETTINGS = Symbol('AUTHORIZATION_SETTINGS');
const PROCESS_HOSTING = Symbol('PROCESS_HOSTING');

type LedgerClient = ReturnType<typeof createLedgerClient>;

function createLedgerClient(config: AuthorizationConfig, metrics: Registry, logger: Logger) {
  return createRpcClient(ledgerV1.LedgerServiceClient, {
    address: config.authorization.LEDGER_GRPC_ADDRESS,
    defaultTimeoutMs: config.authorization.LEDGER_CALL_TIMEOUT_MS,
    onCallCompleted: observeRpcClientCalls(metrics, logger),
    // Every ledger write carries a client-chosen transfer or account id: a re-send changes nothing.
    idempotentMethods: [
      'createAccounts',
      'createTransfers',
      'getAccountBalances',
      'lookupAccounts',
    ],
  });
}

/** Serves gRPC and runs the outbox relay; stops both before resources close. */
@Injectable()
export class AuthorizationTransports implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly server: RpcServer;
  private readonly relayLoop: OutboxRelayLoop;
  private readonly recheckLoop: RecheckLateHoldsLoop;
  boundPort: number | undefined;

  constructor(
    @Inject(AUTHORIZATION_CONFIG) private readonly config: AuthorizationConfig,
    processCardMessage: ProcessCardMessageUseCase,
    voidUnconfirmedDecision: VoidUnconfirmedDecisionUseCase,
    manageCards: ManageCardsUseCase,
    recheckLateHolds: RecheckLateHoldsUseCase,
    @Inject(OUTBOX_RELAY) relay: OutboxRelay,
    @Inject(OUTBOX_SIGNAL) outboxSignal: OutboxSignal,
    @Inject(LOGGER) logger: Logger,
    @Inject(METRICS_REGISTRY) metrics: Registry,
  ) {
    this.server = new RpcServer({ onCallCompleted: observeRpcServerCalls(metrics, logger) });
    this.server.addService(
      authorizationV1.AuthorizationServiceService,
      authorizationGrpcHandlers(processCardMessage, voidUnconfirmedDecision),
    );
    this.server.addService(authorizationCardsV1.CardServiceService, cardsGrpcHandlers(manageCards));
    this.relayLoop = new OutboxRelayLoop(
      relay,
      outboxSignal,
      {
        shardCount: config.authorization.AUTH_OUTBOX_SHARDS,
        intervalMs: config.authorization.AUTH_OUTBOX_RELAY_INTERVAL_MS,
        sweepIntervalMs: config.authorization.AUTH_OUTBOX_RELAY_SWEEP_INTERVAL_MS,
      },
      (error) => logger.warn({ err: error }, 'outbox relay round failed'),
    );
    this.recheckLoop = new RecheckLateHoldsLoop(
      recheckLateHolds,
      config.authorization.AUTH_LATE_HOLD_RECHECK_INTERVAL_MS,
      (error) => logger.warn({ err: error }, 'late hold recheck failed'),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    this.boundPort = await this.server.listen(
      this.config.authorization.AUTHORIZATION_GRPC_HOST,
      this.config.authorization.AUTHORIZATION_GRPC_PORT,
    );
    this.relayLoop.start();
    this.recheckLoop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.server.shutdown(this.config.authorization.AUTH_SHUTDOWN_GRACE_MS);
    await this.recheckLoop.stop();
    await this.relayLoop.stop();
  }
}

/** Bounds a whole customer request (headers and body) on the /cards port. */
const CUSTOMER_HTTP_REQUEST_TIMEOUT_MS = 10_000;

/** The customer /cards API, when configured (customerHttp); closes before resources do. */
@Injectable()
export class AuthorizationCustomerHttp
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly server: CardsHttpServer | undefined;
  boundPort: number | undefined;

  constructor(
    @Inject(AUTHORIZATION_CONFIG) config: AuthorizationConfig,
    manageCards: ManageCardsUseCase,
    @Inject(CLOCK) clock: Clock,
    @Inject(LOGGER) logger: Logger,
  ) {
    const http = config.customerHttp;
    this.server =
      http === undefined
        ? undefined
        : new CardsHttpServer(
            {
              host: http.host,
              port: http.port,
              requestTimeoutMs: CUSTOMER_HTTP_REQUEST_TIMEOUT_MS,
            },
            {
              cards: manageCards,
              verifier: new TokenVerifier({ ...http.auth, clock }),
              logger,
            },
          );
  }

  async onApplicationBootstrap(): Promise<void> {
    this.boundPort = await this.server?.listen();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.server?.close();
  }
}

/** Closes engines and clients once transports have stopped. */
@Injectable()
export class AuthorizationResources implements OnApplicationShutdown {
  constructor(
    @Inject(STORE) private readonly store: Store,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(DISTRIBUTED_LOCKS) private readonly locks: DistributedLocks,
    @Inject(LEDGER_CLIENT) private readonly ledgerClient: LedgerClient,
    @Inject(ID_GENERATOR_RUNTIME) private readonly ids: IdGeneratorRuntime,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    this.ledgerClient.close();
    await this.locks.close();
    await this.bus.close();
    await this.store.close();
    await this.ids.close();
  }
}

const ETCD_DEFAULT_CLIENT_PORT = 2379;

/**
 * Up when any etcd member accepts a connection: the locks client fails over between members, so
 * one member down (quorum kept) must not take every authorization pod out of service.
 */
function etcdReachableCheck(endpoints: readonly string[], timeoutMs: number): HealthCheck {
  const members = endpoints.map((endpoint) => {
    const url = new URL(endpoint);
    const port = url.port === '' ? ETCD_DEFAULT_CLIENT_PORT : Number(url.port);
    return tcpConnectCheck(`etcd ${url.host}`, url.hostname, port, timeoutMs);
  });
  return {
    name: 'etcd',
    probe: 'readiness',
    timeoutMs,
    run: async (signal) => {
      await Promise.any(members.map((member) => member.run(signal)));
      return { members: members.length };
    },
  };
}

/** The deadline of the readiness call to the ledger: far below a probe's period. */
const LEDGER_READINESS_CALL_TIMEOUT_MS = 500;

/**
 * The operations port. Readiness: the store and the bus answer a ping, and the ledger answers
 * an empty LookupAccounts (idempotent, touches no row) within a short deadline; /metrics, /traces.
 * It opens first and closes last, so probes see the whole lifecycle.
 */
@Injectable()
export class AuthorizationOps implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly server: OpsHttpServer;
  boundPort: number | undefined;

  constructor(
    @Inject(AUTHORIZATION_CONFIG) private readonly config: AuthorizationConfig,
    @Inject(HEALTH_REGISTRY) health: HealthRegistry,
    @Inject(METRICS_REGISTRY) metrics: Registry,
    @Inject(TRACING) tracing: ProvidedTracing,
    @Inject(PROCESS_HOSTING) hosting: ProcessHosting,
    @Inject(STORE) store: Store,
    @Inject(EVENT_BUS) bus: EventBus,
    @Inject(LEDGER_CLIENT) ledger: LedgerClient,
  ) {
    const timeoutMs = config.ops.OPS_HEALTH_CHECK_TIMEOUT_MS;
    health.register({ name: 'store', probe: 'readiness', timeoutMs, run: () => store.ping() });
    health.register({ name: 'bus', probe: 'readiness', timeoutMs, run: () => bus.ping() });
    health.register({
      name: 'ledger',
      probe: 'readiness',
      timeoutMs,
      run: async (signal) => {
        await ledger.call(
          'lookupAccounts',
          { ids: [] },
          { timeoutMs: Math.min(timeoutMs, LEDGER_READINESS_CALL_TIMEOUT_MS), signal },
        );
      },
    });
    if (config.locks.engine === 'etcd') {
      health.register(etcdReachableCheck(config.locks.endpoints, timeoutMs));
    }
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

@Module({})
export class AppModule {
  static forConfig(config: AuthorizationConfig, hosting: ProcessHosting = {}): DynamicModule {
    const observability = observabilityOptions(config.observability, 'authorization');
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({
          serviceName: 'authorization',
          logLevel: observability.logLevel,
          tracing: hosting.ownsProcess === true ? observability.tracing : false,
          processMetrics: hosting.processMetrics ?? hosting.ownsProcess === true,
          logDestination: hosting.logDestination,
        }),
      ],
      providers: [
        { provide: AUTHORIZATION_CONFIG, useValue: config },
        { provide: PROCESS_HOSTING, useValue: hosting },
        { provide: CLOCK, useValue: systemClock },
        {
          provide: AUTHORIZATION_SETTINGS,
          useValue: {
            outboxShardCount: config.authorization.AUTH_OUTBOX_SHARDS,
            lockWaitMs: config.authorization.AUTH_LOCK_WAIT_MS,
            lockTtlMs: config.authorization.AUTH_LOCK_TTL_MS,
            deadlineReserveMs: config.authorization.AUTH_DEADLINE_RESERVE_MS,
          } satisfies AuthorizationSettings,
        },
        {
          provide: STORE,
          inject: [CLOCK],
          useFactory: async (clock: Clock): Promise<Store> => {
            const store = await createStore(config.store, { clock });
            await store.migrate(AUTHORIZATION_MIGRATIONS);
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
        {
          provide: DISTRIBUTED_LOCKS,
          useFactory: () =>
            createDistributedLocks(
              config.locks.engine === 'etcd'
                ? { ...config.locks, endpoints: [...config.locks.endpoints] }
                : { engine: 'in-process' },
            ),
        },
        {
          provide: EVENT_BUS,
          useFactory: () =>
            createEventBus(
              config.bus.engine === 'kafka'
                ? { ...config.bus, brokers: [...config.bus.brokers] }
                : { ...config.bus },
            ),
        },
        {
          provide: LEDGER_CLIENT,
          inject: [METRICS_REGISTRY, LOGGER],
          useFactory: (metrics: Registry, logger: Logger) =>
            createLedgerClient(config, metrics, logger),
        },
        {
          provide: LEDGER_HOLDS,
          inject: [LEDGER_CLIENT],
          useFactory: (client: LedgerClient): LedgerHolds =>
            new GrpcLedgerHolds(client, {
              holdTimeoutSeconds: config.authorization.AUTH_HOLD_TTL_SECONDS,
            }),
        },
        // One per module instance: commits mark the shards they wrote, the relay loop drains them.
        { provide: OUTBOX_SIGNAL, useFactory: () => new OutboxSignal() },
        {
          provide: AUTHORIZATION_STORE,
          inject: [STORE, OUTBOX_SIGNAL],
          useFactory: (store: Store, outboxSignal: OutboxSignal): AuthorizationStore =>
            new StoreAuthorizationStore(store, config.authorization.AUTH_RECORD_RETENTION_SECONDS, {
              cardCacheTtlMs: config.authorization.AUTH_CARD_CACHE_TTL_MS,
              cacheEntriesMax: config.authorization.AUTH_CACHE_ENTRIES_MAX,
              onOutboxWritten: (shards) => outboxSignal.markWritten(shards),
            }),
        },
        {
          provide: ProcessCardMessageUseCase,
          inject: [
            AUTHORIZATION_STORE,
            LEDGER_HOLDS,
            DISTRIBUTED_LOCKS,
            ID_GENERATOR,
            CLOCK,
            AUTHORIZATION_SETTINGS,
            LOGGER,
          ],
          useFactory: (
            store: AuthorizationStore,
            ledger: LedgerHolds,
            locks: DistributedLocks,
            ids: IdGenerator,
            clock: Clock,
            settings: AuthorizationSettings,
            logger: Logger,
          ) => {
            return new ProcessCardMessageUseCase({
              store,
              ledger,
              locks,
              ids,
              clock,
              settings,
              // Alerts page on-call (STYLE §8: error means someone must act).
              alert: (name, params) => logger.error({ alert: name, ...params }, 'alert'),
            });
          },
        },
        {
          provide: VoidUnconfirmedDecisionUseCase,
          inject: [
            AUTHORIZATION_STORE,
            LEDGER_HOLDS,
            DISTRIBUTED_LOCKS,
            ID_GENERATOR,
            CLOCK,
            AUTHORIZATION_SETTINGS,
          ],
          useFactory: (
            store: AuthorizationStore,
            ledger: LedgerHolds,
            locks: DistributedLocks,
            ids: IdGenerator,
            clock: Clock,
            settings: AuthorizationSettings,
          ) =>
            new VoidUnconfirmedDecisionUseCase({
              store,
              ledger,
              locks,
              ids,
              clock,
              settings,
              lateHoldRecheckDelayMs: config.authorization.AUTH_LATE_HOLD_RECHECK_DELAY_MS,
            }),
        },
        {
          provide: RecheckLateHoldsUseCase,
          inject: [
            AUTHORIZATION_STORE,
            LEDGER_HOLDS,
            DISTRIBUTED_LOCKS,
            CLOCK,
            AUTHORIZATION_SETTINGS,
          ],
          useFactory: (
            store: AuthorizationStore,
            ledger: LedgerHolds,
            locks: DistributedLocks,
            clock: Clock,
            settings: AuthorizationSettings,
          ) =>
            new RecheckLateHoldsUseCase({
              store,
              ledger,
              locks,
              clock,
              settings,
              batchSizeMax: LATE_HOLD_RECHECKS_PER_SHARD_MAX,
            }),
        },
        {
          provide: ManageCardsUseCase,
          inject: [AUTHORIZATION_STORE, LEDGER_HOLDS, ID_GENERATOR, CLOCK],
          useFactory: (
            store: AuthorizationStore,
            ledger: LedgerHolds,
            ids: IdGenerator,
            clock: Clock,
          ) =>
            new ManageCardsUseCase({
              store,
              ledger,
              ids,
              clock,
              randomDigits: (count) =>
                Array.from({ length: count }, (_unused, index) =>
                  String(randomInt(index === 0 ? 1 : 0, 10)),
                ).join(''),
            }),
        },
        {
          provide: OUTBOX_RELAY,
          inject: [AUTHORIZATION_STORE, EVENT_BUS],
          useFactory: (store: AuthorizationStore, bus: EventBus) =>
            new OutboxRelay(store, bus, {
              shardCount: config.authorization.AUTH_OUTBOX_SHARDS,
              batchSizeMax: config.authorization.AUTH_OUTBOX_RELAY_BATCH_MAX,
              roundsMax: config.authorization.AUTH_OUTBOX_RELAY_ROUNDS_MAX,
            }),
        },
        AuthorizationTransports,
        AuthorizationCustomerHttp,
        AuthorizationResources,
        AuthorizationOps,
      ],
    };
  }
}
