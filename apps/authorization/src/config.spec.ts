import { isPlatformError } from '@corebank/platform-errors';

import { loadAuthorizationConfig } from './config';

const REQUIRED = {
  AUTHORIZATION_GRPC_PORT: '0',
  LEDGER_GRPC_ADDRESS: '127.0.0.1:50051',
  ID_WORKER_SOURCE: 'config',
  ID_WORKER_ID: '3',
};

describe('loadAuthorizationConfig', () => {
  it('fills defaults: embedded bus, in-process locks, SQLite store', () => {
    const sut = loadAuthorizationConfig(REQUIRED);
    expect(sut.authorization.AUTH_OUTBOX_SHARDS).toBe(8);
    expect(sut.authorization.AUTH_RECORD_RETENTION_SECONDS).toBe(7_776_000);
    expect(sut.locks).toEqual({ engine: 'in-process' });
    expect(sut.bus).toEqual({ engine: 'embedded', path: 'data/event-bus.db' });
    expect(sut.store.engine).toBe('sqlite');
  });

  it('selects Kafka and etcd when their endpoints are set', () => {
    const sut = loadAuthorizationConfig({
      ...REQUIRED,
      KAFKA_BROKERS: 'kafka-1:9092,kafka-2:9092',
      LOCKS_ENGINE: 'etcd',
      ETCD_ENDPOINTS: 'http://127.0.0.1:2379',
    });
    expect(sut.bus).toMatchObject({ engine: 'kafka', brokers: ['kafka-1:9092', 'kafka-2:9092'] });
    expect(sut.locks).toMatchObject({ engine: 'etcd', endpoints: ['http://127.0.0.1:2379'] });
  });

  it('refuses a missing ledger address and etcd without endpoints, naming both', () => {
    const { LEDGER_GRPC_ADDRESS: _omitted, ...withoutLedger } = REQUIRED;
    let caught: unknown;
    try {
      loadAuthorizationConfig({ ...withoutLedger, LOCKS_ENGINE: 'etcd' });
    } catch (error) {
      caught = error;
    }
    expect(isPlatformError(caught) && caught.code).toBe('invalid.config');
    expect(String(caught)).toContain('LEDGER_GRPC_ADDRESS');
    expect(String(caught)).toContain('ETCD_ENDPOINTS');
  });

  it('refuses a retention shorter than the processor re-send window', () => {
    expect(() =>
      loadAuthorizationConfig({ ...REQUIRED, AUTH_RECORD_RETENTION_SECONDS: '3600' }),
    ).toThrow(/AUTH_RECORD_RETENTION_SECONDS/);
  });

  it('serves the ops port on loopback and a free port unless told otherwise', () => {
    expect(loadAuthorizationConfig(REQUIRED).ops).toEqual({
      OPS_HTTP_HOST: '127.0.0.1',
      OPS_HTTP_PORT: 0,
      OPS_HEALTH_CHECK_TIMEOUT_MS: 1000,
    });
    expect(() =>
      loadAuthorizationConfig({ ...REQUIRED, OPS_HEALTH_CHECK_TIMEOUT_MS: '0' }),
    ).toThrow(/OPS_HEALTH_CHECK_TIMEOUT_MS/);
  });
});
