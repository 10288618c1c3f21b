export * from './locks.port';
