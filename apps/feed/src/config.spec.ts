import { loadFeedConfig } from './config';

const minimal = {
  FEED_HTTP_PORT: '0',
  AUTH_JWT_ALGORITHM: 'HS256',
  AUTH_JWT_HS256_SECRET: 'x'.repeat(32),
  ID_WORKER_SOURCE: 'config',
  ID_WORKER_ID: '3',
  FEED_LEDGER_GRPC_ADDRESS: '127.0.0.1:7000',
};

describe('loadFeedConfig', () => {
  it('builds the HS256 key and the embedded bus by default', () => {
    const config = loadFeedConfig(minimal);
    expect(config.auth.key).toEqual({ algorithm: 'HS256', secret: 'x'.repeat(32) });
    expect(config.bus).toEqual({ engine: 'embedded', path: 'data/event-bus.db' });
    expect(config.feed.FEED_SSE_BUFFER_EVENTS_MAX).toBe(256);
  });

  it('fails fast without the key its algorithm needs, or with a short secret', () => {
    expect(() => loadFeedConfig({ ...minimal, AUTH_JWT_ALGORITHM: 'ES256' })).toThrow(
      /AUTH_JWT_PUBLIC_KEY_PEM/,
    );
    expect(() => loadFeedConfig({ ...minimal, AUTH_JWT_HS256_SECRET: 'short' })).toThrow(
      /AUTH_JWT_HS256_SECRET/,
    );
    expect(() => loadFeedConfig({ ...minimal, AUTH_JWT_ALGORITHM: 'none' })).toThrow(
      /AUTH_JWT_ALGORITHM/,
    );
  });

  it('uses Kafka when brokers are configured', () => {
    expect(loadFeedConfig({ ...minimal, KAFKA_BROKERS: 'a:9092,b:9092' }).bus).toMatchObject({
      engine: 'kafka',
      brokers: ['a:9092', 'b:9092'],
      clientId: 'feed',
    });
  });
});
