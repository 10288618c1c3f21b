import { ConfigValidationError, loadConfig } from '@corebank/platform-config';

import { eventBusConfigSchema } from './event-bus-config';

describe('eventBusConfigSchema', () => {
  const schema = eventBusConfigSchema({ clientId: 'feed' });

  it('is the embedded log unless KAFKA_BROKERS is set', () => {
    expect(loadConfig(schema, {})).toEqual({ engine: 'embedded', path: 'data/event-bus.db' });
    expect(loadConfig(schema, { EVENT_BUS_PATH: '/var/bus.db' })).toEqual({
      engine: 'embedded',
      path: '/var/bus.db',
    });
  });

  it('takes brokers, the client id and every Kafka timeout from the environment', () => {
    expect(
      loadConfig(schema, {
        KAFKA_BROKERS: 'k1:9092,k2:9092',
        KAFKA_SESSION_TIMEOUT_MS: '6000',
        KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
      }),
    ).toEqual({
      engine: 'kafka',
      brokers: ['k1:9092', 'k2:9092'],
      clientId: 'feed',
      requestTimeoutMs: 30_000,
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 1_000,
      fetchMaxWaitMs: 1_000,
    });
  });

  it('refuses a timeout out of range, naming the variable', () => {
    expect(() =>
      loadConfig(schema, { KAFKA_BROKERS: 'k1:9092', KAFKA_SESSION_TIMEOUT_MS: '5' }),
    ).toThrow(ConfigValidationError);
    expect(() =>
      loadConfig(schema, { KAFKA_BROKERS: 'k1:9092', KAFKA_SESSION_TIMEOUT_MS: '5' }),
    ).toThrow(/KAFKA_SESSION_TIMEOUT_MS/);
  });
});
