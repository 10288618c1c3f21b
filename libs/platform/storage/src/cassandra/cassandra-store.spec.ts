import { createServer } from 'node:net';
import { CassandraStore } from './cassandra-store';

/** A loopback port with nothing listening on it, so a connection is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') {
    throw new Error('no port');
  }
  return address.port;
}

// The adapter's behaviour against a real cluster is covered by the store contract suite
// (libs/testing/contracts/src/store), which runs when CASSANDRA_CONTACT_POINTS is set.
describe('CassandraStore without a cluster', () => {
  it('fails to open with unavailable.store (retryable) when no contact point answers', async () => {
    const opening = CassandraStore.open({
      contactPoints: ['127.0.0.1'],
      port: await closedPort(),
      localDataCenter: 'datacenter1',
      keyspace: 'bank',
      replication: { class: 'SimpleStrategy', replicationFactor: 1 },
    });
    await expect(opening).rejects.toMatchObject({ code: 'unavailable.store', retryable: true });
  });

  it('refuses a keyspace name CQL would need to quote', async () => {
    const opening = CassandraStore.open({
      contactPoints: ['127.0.0.1'],
      localDataCenter: 'datacenter1',
      keyspace: 'Bank-1',
      replication: { class: 'SimpleStrategy', replicationFactor: 1 },
    });
    await expect(opening).rejects.toMatchObject({ code: 'invalid.store_schema' });
  });
});
