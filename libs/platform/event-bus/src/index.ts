export * from './event-bus.port';
export * from './envelope';
export * from './delivery';
