export * from './kafka-config';
export * from './kafka-event-bus';
