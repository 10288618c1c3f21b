import { invalidRequest, STORE_ERROR_CODES } from '../store-errors';
import { TableSchema } from '../schema/table-schema';
import type { ColumnType, Migration, TableDefinition } from '../store.port';

/** json is kept as its text; Cassandra compares it as text in conditions, as SQLite does. */
const CQL_COLUMN_TYPES: Readonly<Record<ColumnType, string>> = {
  text: 'text',
  bigint: 'bigint',
  int: 'int',
  boolean: 'boolean',
  timestamp: 'timestamp',
  blob: 'blob',
  json: 'text',
};

/** How the keyspace is replicated. No default: it differs between a laptop and production. */
export type CassandraReplication =
  | { readonly class: 'SimpleStrategy'; readonly replicationFactor: number }
  | {
      readonly class: 'NetworkTopologyStrategy';
      readonly dataCenters: Readonly<Record<string, number>>;
    };

const KEYSPACE_PATTERN = /^[a-z][a-z0-9_]{0,47}$/;
const DATA_CENTER_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export function quoteCql(identifier: string): string {
  return `"${identifier}"`;
}

export function assertKeyspaceName(keyspace: string): void {
  if (!KEYSPACE_PATTERN.test(keyspace)) {
    throw invalidRequest(
      STORE_ERROR_CODES.schema,
      `keyspace ${keyspace} must match [a-z][a-z0-9_]{0,47}`,
    );
  }
}

export function renderKeyspaceCql(keyspace: string, replication: CassandraReplication): string {
  assertKeyspaceName(keyspace);
  let options: string;
  switch (replication.class) {
    case 'SimpleStrategy':
      assertReplicationFactor(replication.replicationFactor);
      options = `'class': 'SimpleStrategy', 'replication_factor': ${replication.replicationFactor}`;
      break;
    case 'NetworkTopologyStrategy': {
      const dataCenters = Object.entries(replication.dataCenters);
      if (dataCenters.length === 0) {
        throw invalidRequest(
          STORE_ERROR_CODES.schema,
          'NetworkTopologyStrategy needs at least one data center',
        );
      }
      options = [
        `'class': 'NetworkTopologyStrategy'`,
        ...dataCenters.map(([dataCenter, factor]) => {
          if (!DATA_CENTER_PATTERN.test(dataCenter)) {
            throw invalidRequest(
              STORE_ERROR_CODES.schema,
              `data center name ${dataCenter} is malformed`,
            );
          }
          assertReplicationFactor(factor);
          return `'${dataCenter}': ${factor}`;
        }),
      ].join(', ');
      break;
    }
  }
  return `CREATE KEYSPACE IF NOT EXISTS ${quoteCql(keyspace)} WITH replication = {${options}}`;
}

function assertReplicationFactor(factor: number): void {
  if (!Number.isInteger(factor) || factor < 1 || factor > 32) {
    throw invalidRequest(
      STORE_ERROR_CODES.schema,
      `replication factor ${factor} must be a whole number from 1 to 32`,
    );
  }
}

/** The migration log: one row per migration, claimed with a lightweight transaction. */
export function renderMigrationsTableCql(keyspace: string): string {
  assertKeyspaceName(keyspace);
  return (
    `CREATE TABLE IF NOT EXISTS ${quoteCql(keyspace)}."schema_migrations" (` +
    '"id" text PRIMARY KEY, "description" text, "definition" text, "status" text, ' +
    '"owner" text, "claimed_at" timestamp, "applied_at" timestamp)'
  );
}

/** `CREATE TABLE IF NOT EXISTS` for one table definition, in the given keyspace. */
export function renderTableCql(table: TableDefinition, keyspace: string): string {
  assertKeyspaceName(keyspace);
  const schema = new TableSchema(table);
  const columns = schema.columnNames.map(
    (column) => `${quoteCql(column)} ${CQL_COLUMN_TYPES[schema.typeOf(column)]}`,
  );
  const partitionKey = `(${schema.partitionKey.map(quoteCql).join(', ')})`;
  const primaryKey = [partitionKey, ...schema.clustering.map(({ column }) => quoteCql(column))];
  const clusteringOrder =
    schema.clustering.length === 0
      ? ''
      : ` WITH CLUSTERING ORDER BY (${schema.clustering
          .map(({ column, order }) => `${quoteCql(column)} ${order.toUpperCase()}`)
          .join(', ')})`;
  return (
    `CREATE TABLE IF NOT EXISTS ${quoteCql(keyspace)}.${quoteCql(schema.name)} ` +
    `(${columns.join(', ')}, PRIMARY KEY (${primaryKey.join(', ')}))${clusteringOrder}`
  );
}

/**
 * The CQL a migration applies, one statement per table, as a script (`;` and a newline after
 * each). Apps commit this next to their migrations and test that it still matches.
 */
export function renderCql(migration: Migration, keyspace: string): string {
  return migration.createTables.map((table) => `${renderTableCql(table, keyspace)};\n`).join('');
}
