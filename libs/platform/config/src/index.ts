export * from './config.module';
export * from './deep-freeze';
export * from './env-schemas';
export * from './load-config';
