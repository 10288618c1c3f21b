import { ConfigValidationError, loadConfig } from '@corebank/platform-config';
import { parseReplication, storeConfigSchema } from './config';

const schema = storeConfigSchema({ sqlitePath: 'data/ledger.db' });

describe('storeConfigSchema', () => {
  it('chooses the embedded SQLite file when no Cassandra is configured', () => {
    expect(loadConfig(schema, {})).toEqual({
      engine: 'sqlite',
      path: 'data/ledger.db',
      synchronous: 'full',
      busyTimeoutMs: 5000,
    });
    expect(
      loadConfig(schema, {
        STORE_SQLITE_PATH: '/var/lib/bank.db',
        STORE_SQLITE_SYNCHRONOUS: 'normal',
      }),
    ).toMatchObject({ path: '/var/lib/bank.db', synchronous: 'normal' });
  });

  it('chooses Cassandra when CASSANDRA_CONTACT_POINTS is set', () => {
    expect(
      loadConfig(schema, {
        CASSANDRA_CONTACT_POINTS: '10.0.0.1, 10.0.0.2',
        CASSANDRA_LOCAL_DATA_CENTER: 'eu-west',
        CASSANDRA_KEYSPACE: 'ledger',
        CASSANDRA_REPLICATION: 'NetworkTopologyStrategy:eu-west=3',
        CASSANDRA_USERNAME: 'ledger',
        CASSANDRA_PASSWORD: 'secret',
        CASSANDRA_SERIAL_CONSISTENCY: 'SERIAL',
      }),
    ).toEqual({
      engine: 'cassandra',
      contactPoints: ['10.0.0.1', '10.0.0.2'],
      localDataCenter: 'eu-west',
      keyspace: 'ledger',
      replication: { class: 'NetworkTopologyStrategy', dataCenters: { 'eu-west': 3 } },
      port: undefined,
      credentials: { username: 'ledger', password: 'secret' },
      consistency: 'localQuorum',
      serialConsistency: 'serial',
      requestTimeoutMs: 12_000,
    });
  });

  it('names every missing Cassandra variable at once', () => {
    let caught: unknown;
    try {
      loadConfig(schema, { CASSANDRA_CONTACT_POINTS: '10.0.0.1' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigValidationError);
    expect(
      (caught as ConfigValidationError).problems.map(({ variable }) => variable).sort(),
    ).toEqual(['CASSANDRA_KEYSPACE', 'CASSANDRA_LOCAL_DATA_CENTER', 'CASSANDRA_REPLICATION']);
  });

  it('refuses a malformed replication, a lone username and a bad consistency', () => {
    const base = {
      CASSANDRA_CONTACT_POINTS: '10.0.0.1',
      CASSANDRA_LOCAL_DATA_CENTER: 'dc1',
      CASSANDRA_KEYSPACE: 'ledger',
      CASSANDRA_REPLICATION: 'SimpleStrategy:3',
    };
    expect(() => loadConfig(schema, { ...base, CASSANDRA_REPLICATION: 'Simple:3' })).toThrow(
      ConfigValidationError,
    );
    expect(() => loadConfig(schema, { ...base, CASSANDRA_USERNAME: 'ledger' })).toThrow(
      ConfigValidationError,
    );
    expect(() => loadConfig(schema, { ...base, CASSANDRA_CONSISTENCY: 'ANY' })).toThrow(
      ConfigValidationError,
    );
    expect(() => loadConfig(schema, { ...base, CASSANDRA_KEYSPACE: 'Ledger' })).toThrow(
      ConfigValidationError,
    );
  });
});

describe('parseReplication', () => {
  it('reads both strategies', () => {
    expect(parseReplication('SimpleStrategy:1')).toEqual({
      class: 'SimpleStrategy',
      replicationFactor: 1,
    });
    expect(parseReplication('NetworkTopologyStrategy:a=3,b=2')).toEqual({
      class: 'NetworkTopologyStrategy',
      dataCenters: { a: 3, b: 2 },
    });
    expect(parseReplication('NetworkTopologyStrategy:')).toBeUndefined();
  });
});
