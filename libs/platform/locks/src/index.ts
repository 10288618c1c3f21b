export * from './locks.port';
export * from './locks.errors';
export * from './locks-config';
export * from './locks.factory';
// Adapters are exported for their contract tests; application code uses the factory.
export * from './etcd-distributed-locks';
export * from './in-process-distributed-locks';
