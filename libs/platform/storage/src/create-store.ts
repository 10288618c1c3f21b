import type { Clock } from '@corebank/platform-clock';
import { CassandraStore, type CassandraStoreOptions } from './cassandra/cassandra-store';
import { SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store';
import type { Store } from './store.port';

/** Which engine backs the Store, and its settings. Built from the environment by `storeConfigSchema`. */
export type StoreConfig =
  | ({ readonly engine: 'sqlite' } & Omit<SqliteStoreOptions, 'clock'>)
  | ({ readonly engine: 'cassandra' } & Omit<CassandraStoreOptions, 'clock'>);

/**
 * Opens the Store the configuration names. Application code depends on the `Store` port and
 * this factory only, never on an adapter class, so one code path runs embedded and distributed.
 *
 * @throws PlatformError `unavailable.store` (retryable) when the engine cannot be reached.
 */
export function createStore(
  config: StoreConfig,
  dependencies: { clock?: Clock } = {},
): Promise<Store> {
  switch (config.engine) {
    case 'sqlite': {
      const { engine: _engine, ...options } = config;
      return SqliteStore.open({ ...options, clock: dependencies.clock });
    }
    case 'cassandra': {
      const { engine: _engine, ...options } = config;
      return CassandraStore.open({ ...options, clock: dependencies.clock });
    }
  }
}
