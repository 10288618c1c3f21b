export * from './store.port';
export * from './store-errors';
export { SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store';
export {
  CassandraStore,
  type CassandraConsistency,
  type CassandraSerialConsistency,
  type CassandraStoreOptions,
} from './cassandra/cassandra-store';
export {
  renderCql,
  renderKeyspaceCql,
  renderTableCql,
  type CassandraReplication,
} from './cassandra/render-cql';
export { createStore, type StoreConfig } from './create-store';
export { parseReplication, storeConfigSchema, type StoreConfigDefaults } from './config';
export { StoreModule, type StoreModuleOptions } from './store.module';
