import type { Migration } from '../store.port';
import { renderCql, renderKeyspaceCql, renderTableCql } from './render-cql';

const FEED: Migration = {
  id: '0001-feed',
  description: 'feed items',
  createTables: [
    {
      name: 'feed_items',
      columns: {
        customer_id: 'text',
        region: 'text',
        day: 'int',
        item_id: 'bigint',
        payload: 'json',
        seen: 'boolean',
        created_at: 'timestamp',
        icon: 'blob',
      },
      partitionKey: ['customer_id', 'region'],
      clusteringKey: [
        { column: 'day', order: 'desc' },
        { column: 'item_id', order: 'asc' },
      ],
    },
    {
      name: 'feed_cursors',
      columns: { customer_id: 'text', position: 'bigint' },
      partitionKey: ['customer_id'],
    },
  ],
};

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('renderCql', () => {
  it('renders a composite partition key, mixed clustering order and every column type', () => {
    expect(renderTableCql(FEED.createTables[0], 'bank')).toBe(
      'CREATE TABLE IF NOT EXISTS "bank"."feed_items" ("customer_id" text, "region" text, ' +
        '"day" int, "item_id" bigint, "payload" text, "seen" boolean, "created_at" timestamp, ' +
        '"icon" blob, PRIMARY KEY (("customer_id", "region"), "day", "item_id")) ' +
        'WITH CLUSTERING ORDER BY ("day" DESC, "item_id" ASC)',
    );
  });

  it('renders a migration as a script with one statement per table', () => {
    expect(renderCql(FEED, 'bank')).toBe(
      `${renderTableCql(FEED.createTables[0], 'bank')};\n` +
        'CREATE TABLE IF NOT EXISTS "bank"."feed_cursors" ("customer_id" text, "position" bigint, ' +
        'PRIMARY KEY (("customer_id")));\n',
    );
  });

  it('renders keyspace replication and refuses malformed settings', () => {
    expect(
      renderKeyspaceCql('bank', {
        class: 'NetworkTopologyStrategy',
        dataCenters: { 'eu-west': 3, 'eu-central': 3 },
      }),
    ).toBe(
      'CREATE KEYSPACE IF NOT EXISTS "bank" WITH replication = ' +
        "{'class': 'NetworkTopologyStrategy', 'eu-west': 3, 'eu-central': 3}",
    );
    expect(renderKeyspaceCql('bank', { class: 'SimpleStrategy', replicationFactor: 1 })).toBe(
      `CREATE KEYSPACE IF NOT EXISTS "bank" WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
    expect(
      codeOf(() => renderKeyspaceCql('Bank', { class: 'SimpleStrategy', replicationFactor: 1 })),
    ).toBe('invalid.store_schema');
    expect(
      codeOf(() =>
        renderKeyspaceCql('bank', { class: 'NetworkTopologyStrategy', dataCenters: { "dc'1": 3 } }),
      ),
    ).toBe('invalid.store_schema');
    expect(
      codeOf(() => renderKeyspaceCql('bank', { class: 'SimpleStrategy', replicationFactor: 0 })),
    ).toBe('invalid.store_schema');
  });
});
