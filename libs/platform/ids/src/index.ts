export * from './id-generator.port';
