export * from './etcd';
export * from './free-port';
export * from './require-engine';
export * from './kafka-mock';
