export {};
export * from './locks/locks.contract';
export * from './locks/fenced-write';
