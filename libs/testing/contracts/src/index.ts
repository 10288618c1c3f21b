export {};
export * from './locks/locks.contract';
export * from './locks/fenced-write';
export * from './store/store.contract';
export * from './store/child-process-store';
export * from './bus/bus.contract';
export * from './bus/handled-log';
export * from './ids/id-generator.contract';
