export * from './embedded-config';
export * from './embedded-event-bus';
export type { EmbeddedEventBusLogger } from './embedded-subscription';
export { partitionForKey, stableHash32 } from './stable-hash';
