export * from './backoff';
export * from './deliver-message';
export * from './delivery-pipeline';
export * from './messages';
