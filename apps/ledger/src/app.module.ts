import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';

import { ledgerV1 } from '@corebank/contracts-proto';
import { CLOCK, type Clock, systemClock } from '@corebank/platform-clock';
import {
  ConfiguredWorkerLease,
  ID_GENERATOR,
  type IdGenerator,
  SnowflakeGenerator,
} from '@corebank/platform-ids';
import { RpcServer } from '@corebank/platform-rpc';
import { SqliteStore, STORE, type Store } from '@corebank/platform-storage';

import { LEDGER_MIGRATIONS } from './adapters/ledger-tables';
import { StoreLedgerRepository } from './adapters/store-ledger-repository';
import {
  createLedgerApplication,
  LEDGER_APPLICATION,
  type LedgerApplication,
} from './application/ledger-application';
import { LEDGER_CONFIG, type LedgerConfig, loadLedgerConfig } from './config';
import { LEDGER_REPOSITORY, type LedgerRepository } from './ports/ledger-repository.port';
import { createLedgerGrpcHandlers } from './transport/grpc/ledger.grpc-handler';
import { ExpirySweeper } from './transport/schedule/expiry-sweeper';

const GRPC_MESSAGE_BYTES_MAX = 16 * 1024 * 1024;

/** Serves gRPC and runs the expiry sweeper; stops both before resources close. */
@Injectable()
export class LedgerTransports implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ledger');
  private readonly server: RpcServer;
  private readonly sweeper: ExpirySweeper;
  boundPort: number | undefined;

  constructor(
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(LEDGER_APPLICATION) app: LedgerApplication,
  ) {
    this.server = new RpcServer({
      channelOptions: {
        'grpc.max_receive_message_length': GRPC_MESSAGE_BYTES_MAX,
        'grpc.max_send_message_length': GRPC_MESSAGE_BYTES_MAX,
      },
    });
    this.server.addService(ledgerV1.LedgerServiceService, createLedgerGrpcHandlers(app));
    this.sweeper = new ExpirySweeper(app.expirePendingTransfers, {
      intervalMs: config.LEDGER_EXPIRY_SWEEP_INTERVAL_MS,
      itemsMax: config.LEDGER_EXPIRY_SWEEP_ITEMS_MAX,
      onError: (error) =>
        this.logger.warn({ message: 'expiry sweep failed', error: String(error) }),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.boundPort = await this.server.listen(
      this.config.LEDGER_GRPC_HOST,
      this.config.LEDGER_GRPC_PORT,
    );
    if (this.config.LEDGER_EXPIRY_SWEEP_ENABLED) {
      this.sweeper.start();
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.sweeper.stop();
    await this.server.shutdown(this.config.LEDGER_SHUTDOWN_GRACE_MS);
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

@Module({
  providers: [
    { provide: LEDGER_CONFIG, useFactory: () => loadLedgerConfig() },
    { provide: CLOCK, useValue: systemClock },
    {
      provide: STORE,
      inject: [LEDGER_CONFIG],
      useFactory: async (config: LedgerConfig): Promise<Store> => {
        const store = await SqliteStore.open({
          path: config.LEDGER_STORE_PATH,
          synchronous: config.LEDGER_STORE_SYNCHRONOUS,
        });
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
          workerLease: new ConfiguredWorkerLease(config.LEDGER_WORKER_ID),
        }),
    },
    {
      provide: LEDGER_REPOSITORY,
      inject: [LEDGER_CONFIG, STORE, CLOCK],
      useFactory: (config: LedgerConfig, store: Store, clock: Clock): LedgerRepository =>
        new StoreLedgerRepository({
          store,
          clock,
          commitLeaseMs: config.LEDGER_COMMIT_LEASE_MS,
          batchStatementsMax: config.LEDGER_STORE_BATCH_STATEMENTS_MAX,
          getManyKeysMax: config.LEDGER_STORE_GET_MANY_KEYS_MAX,
          commitStatusCacheMax: config.LEDGER_COMMIT_STATUS_CACHE_MAX,
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
            windowMs: config.LEDGER_GROUP_COMMIT_WINDOW_MS,
            groupItemsMax: config.LEDGER_GROUP_COMMIT_ITEMS_MAX,
            queueItemsMax: config.LEDGER_COMMIT_QUEUE_ITEMS_MAX,
            attemptsMax: config.LEDGER_COMMIT_ATTEMPTS_MAX,
            backoffMaxMs: config.LEDGER_COMMIT_BACKOFF_MAX_MS,
          },
        }),
    },
    LedgerTransports,
    LedgerResources,
  ],
})
export class AppModule {}
