export * from './platform-error';
