import {
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Clock } from '@corebank/platform-clock';
import { createStore, type StoreConfig } from './create-store';
import { type Migration, STORE, type Store } from './store.port';

export interface StoreModuleOptions {
  /** Applied once at boot, before anything can use the store. */
  readonly migrations: readonly Migration[];
  readonly clock?: Clock;
}

@Injectable()
class StoreShutdown implements OnApplicationShutdown {
  constructor(@Inject(STORE) private readonly store: Store) {}

  /** Closes the engine connection (SQLite: the file; Cassandra: the driver's pools). */
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/**
 * Provides `STORE` (the Store port) to the whole application: opened by `createStore` from the
 * configuration the app's config.ts loaded, migrated before the first use, closed when the
 * application closes. A failing engine or migration stops the boot.
 */
@Module({})
export class StoreModule {
  static forRoot(loadConfig: () => StoreConfig, options: StoreModuleOptions): DynamicModule {
    return {
      module: StoreModule,
      global: true,
      providers: [
        {
          provide: STORE,
          useFactory: async (): Promise<Store> => {
            const store = await createStore(loadConfig(), { clock: options.clock });
            try {
              await store.migrate(options.migrations);
            } catch (error) {
              await store.close();
              throw error;
            }
            return store;
          },
        },
        StoreShutdown,
      ],
      exports: [STORE],
    };
  }
}
