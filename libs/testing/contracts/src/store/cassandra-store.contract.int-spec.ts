import { randomBytes } from 'node:crypto';
import { loadConfig } from '@corebank/platform-config';
import {
  CassandraStore,
  type CassandraStoreOptions,
  storeConfigSchema,
} from '@corebank/platform-storage';
import { Client } from 'cassandra-driver';
import { describeStoreContract } from './store.contract';

const contactPoints = process.env.CASSANDRA_CONTACT_POINTS?.trim() ?? '';

if (contactPoints === '') {
  // No Cassandra can be installed on the build machines; say so loudly instead of passing quietly.
  console.warn(
    'SKIPPED: CassandraStore contract tests, because CASSANDRA_CONTACT_POINTS is not set ' +
      '(also read: CASSANDRA_LOCAL_DATA_CENTER, default datacenter1; CASSANDRA_REPLICATION, default SimpleStrategy:1)',
  );
  describe.skip('Store contract: CassandraStore (skipped: CASSANDRA_CONTACT_POINTS is not set)', () => {
    it('runs only against a real Cassandra', () => undefined);
  });
} else {
  const baseOptions = (): Omit<CassandraStoreOptions, 'keyspace'> => {
    const config = loadConfig(storeConfigSchema({ sqlitePath: 'unused.db' }), {
      CASSANDRA_LOCAL_DATA_CENTER: 'datacenter1',
      CASSANDRA_REPLICATION: 'SimpleStrategy:1',
      ...process.env,
      // Every run gets its own keyspace, dropped at the end.
      CASSANDRA_KEYSPACE: 'corebank_contract',
    });
    if (config.engine !== 'cassandra') {
      throw new Error('CASSANDRA_CONTACT_POINTS is set, so the config must name cassandra');
    }
    const { engine: _engine, keyspace: _keyspace, ...options } = config;
    return options;
  };

  describeStoreContract('CassandraStore', async () => {
    const options = {
      ...baseOptions(),
      keyspace: `corebank_contract_${randomBytes(6).toString('hex')}`,
    };
    const store = await CassandraStore.open(options);
    return {
      store,
      openConcurrentClients: async (count) => {
        // Separate clients (own connections): their requests truly overlap on the cluster.
        const stores = await Promise.all(
          Array.from({ length: count }, () => CassandraStore.open(options)),
        );
        return {
          stores,
          close: async () => {
            await Promise.all(stores.map((client) => client.close()));
          },
        };
      },
      dispose: async () => {
        await store.close();
        const admin = new Client({
          contactPoints: [...options.contactPoints],
          localDataCenter: options.localDataCenter,
          credentials: options.credentials,
          protocolOptions: options.port === undefined ? undefined : { port: options.port },
        });
        try {
          await admin.execute(`DROP KEYSPACE IF EXISTS "${options.keyspace}"`);
        } finally {
          await admin.shutdown();
        }
      },
    };
  });
}
