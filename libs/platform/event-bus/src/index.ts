export * from './event-bus.port';
export * from './envelope';
export * from './delivery';
export * from './embedded';
export * from './kafka';
export * from './create-event-bus';
export * from './event-bus.module';
export * from './event-bus-config';
