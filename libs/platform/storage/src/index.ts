export * from './store.port';
export * from './store-errors';
export { SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store';
