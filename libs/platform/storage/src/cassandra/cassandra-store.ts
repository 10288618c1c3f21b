import { randomUUID } from 'node:crypto';
import { type Clock, systemClock } from '@corebank/platform-clock';
import { Client, errors, types } from 'cassandra-driver';
import {
  type AppliedMigration,
  canonicalDefinition,
  catalogOf,
  MIGRATIONS_TABLE,
  pendingMigrations,
} from '../schema/migration-plan';
import type { TableSchema } from '../schema/table-schema';
import { invalidRequest, STORE_ERROR_CODES, storeClosed, storeTimeout } from '../store-errors';
import type {
  ConditionalResult,
  ConditionalStatement,
  Migration,
  Page,
  RangeQuery,
  Row,
  Store,
  StoreValue,
  WriteOptions,
  WriteStatement,
} from '../store.port';
import { mapCassandraError } from './cassandra-errors';
import {
  type BoundStatement,
  CqlStatements,
  decodeCqlValue,
  encodeCqlValue,
} from './cql-statements';
import {
  assertKeyspaceName,
  type CassandraReplication,
  quoteCql,
  renderKeyspaceCql,
  renderMigrationsTableCql,
  renderTableCql,
} from './render-cql';

export type CassandraConsistency =
  'one' | 'two' | 'three' | 'quorum' | 'all' | 'localQuorum' | 'eachQuorum' | 'localOne';
export type CassandraSerialConsistency = 'serial' | 'localSerial';

export interface CassandraStoreOptions {
  readonly contactPoints: readonly string[];
  readonly localDataCenter: string;
  readonly keyspace: string;
  /** Used by `migrate` when it creates the keyspace. */
  readonly replication: CassandraReplication;
  readonly port?: number;
  readonly credentials?: { readonly username: string; readonly password: string };
  /** Reads and plain writes. Default localQuorum. */
  readonly consistency?: CassandraConsistency;
  /** The Paxos phase of conditional writes. Default localSerial (pairs with localQuorum). */
  readonly serialConsistency?: CassandraSerialConsistency;
  /** How long the driver waits for one answer before `timeout.store`. Default 12000. */
  readonly requestTimeoutMs?: number;
  /** How long `migrate` waits for another process that is applying the same migration. Default 60000. */
  readonly migrationWaitMs?: number;
  /** Keys accepted by one getMany. Default 1000. */
  readonly getManyKeysMax?: number;
  /** Reads one getMany runs at once. Default 32. */
  readonly getManyConcurrencyMax?: number;
  /** Statements accepted by one batch. Default 100 (logged batches are meant to be small). */
  readonly batchStatementsMax?: number;
  /** Largest `limit` a range query may ask for. Default 10000. */
  readonly queryLimitMax?: number;
  /** Statements accepted by one conditionalWrites. Default 1000. */
  readonly conditionalWritesMax?: number;
  /** Lightweight transactions one conditionalWrites has in flight at once. Default 32. */
  readonly conditionalWritesConcurrencyMax?: number;
  readonly clock?: Clock;
}

/** A checked conditional write, rendered; `ifNotExists` tells a failed insert from an update. */
interface PreparedConditional {
  readonly schema: TableSchema;
  readonly key: Row;
  readonly statement: BoundStatement;
  readonly ifNotExists: boolean;
}

const MIGRATION_POLL_MS = 500;
const INVALID_REQUEST_CODE: number = types.responseErrorCodes.invalid;

/**
 * The Store port on Apache Cassandra (or ScyllaDB) through cassandra-driver, every statement
 * prepared. Reads and writes run at `consistency`; conditional writes are lightweight
 * transactions whose Paxos phase runs at `serialConsistency`, and their `[applied]` column becomes
 * `ConditionalResult.applied`. Table names are qualified with the keyspace on every statement, so
 * the client can connect before `migrate` has created the keyspace.
 */
export class CassandraStore implements Store {
  private catalog = new Map<string, TableSchema>();
  private readonly statements: CqlStatements;
  private readonly consistency: types.consistencies;
  private readonly serialConsistency: types.consistencies;
  private readonly clock: Clock;
  private readonly keyspace: string;
  private closed = false;

  private constructor(
    private readonly client: Client,
    private readonly options: CassandraStoreOptions,
  ) {
    this.keyspace = quoteCql(options.keyspace);
    this.statements = new CqlStatements(options.keyspace);
    this.consistency = types.consistencies[options.consistency ?? 'localQuorum'];
    this.serialConsistency = types.consistencies[options.serialConsistency ?? 'localSerial'];
    this.clock = options.clock ?? systemClock;
  }

  /**
   * Connects and loads the tables earlier migrations created (none when the keyspace does not
   * exist yet). Throws `unavailable.store` when no contact point answers.
   */
  static async open(options: CassandraStoreOptions): Promise<CassandraStore> {
    assertKeyspaceName(options.keyspace);
    const client = new Client({
      contactPoints: [...options.contactPoints],
      localDataCenter: options.localDataCenter,
      credentials: options.credentials,
      protocolOptions: options.port === undefined ? undefined : { port: options.port },
      encoding: { useBigIntAsLong: true, useUndefinedAsUnset: true },
      socketOptions: { readTimeout: options.requestTimeoutMs ?? 12_000 },
      queryOptions: { prepare: true },
    });
    try {
      await client.connect();
    } catch (error) {
      await client.shutdown().catch(() => undefined);
      throw mapCassandraError(error, 'connect');
    }
    const store = new CassandraStore(client, options);
    try {
      await store.reloadCatalog();
    } catch (error) {
      await client.shutdown().catch(() => undefined);
      throw error;
    }
    return store;
  }

  /**
   * Creates the keyspace and the migration log if missing, then applies each pending migration
   * once across all processes: a migration is claimed with `INSERT ... IF NOT EXISTS`, so when two
   * processes migrate at once only the claimant runs the DDL and the other waits for it (bounded
   * by `migrationWaitMs`, after which it takes over a claim whose owner has gone quiet).
   */
  migrate(migrations: readonly Migration[]): Promise<void> {
    return this.run('migrate', undefined, async () => {
      await this.client.execute(renderKeyspaceCql(this.options.keyspace, this.options.replication));
      await this.client.execute(renderMigrationsTableCql(this.options.keyspace));
      const recorded = await this.recordedMigrations();
      const applied = recorded.filter(({ status }) => status === 'applied');
      // Claimed-but-unfinished rows still count for drift checks: same id, same tables.
      pendingMigrations(migrations, recorded);
      for (const migration of pendingMigrations(migrations, applied)) {
        await this.applyOnce(migration);
      }
      await this.reloadCatalog();
    });
  }

  get(table: string, key: Row): Promise<Row | undefined> {
    return this.run('get', table, async () => {
      const schema = await this.schemaOf(table);
      schema.checkPrimaryKey(key);
      return this.readRow(schema, key, this.consistency);
    });
  }

  getMany(table: string, keys: readonly Row[]): Promise<readonly Row[]> {
    return this.run('getMany', table, async () => {
      const schema = await this.schemaOf(table);
      const keysMax = this.options.getManyKeysMax ?? 1000;
      if (keys.length > keysMax) {
        throw invalidRequest(
          STORE_ERROR_CODES.requestTooLarge,
          `getMany takes at most ${keysMax} keys`,
          { table, keys: keys.length },
        );
      }
      const distinct = new Map<string, Row>();
      for (const key of keys) {
        schema.checkPrimaryKey(key);
        distinct.set(keyIdentity(schema, key), key);
      }
      // Single-row reads in parallel spread over replicas better than one IN across partitions.
      const pending = [...distinct.values()];
      const concurrency = this.options.getManyConcurrencyMax ?? 32;
      const rows: Row[] = [];
      for (let start = 0; start < pending.length; start += concurrency) {
        const found = await Promise.all(
          pending
            .slice(start, start + concurrency)
            .map((key) => this.readRow(schema, key, this.consistency)),
        );
        rows.push(...found.filter((row): row is Row => row !== undefined));
      }
      return rows;
    });
  }

  upsert(table: string, row: Row, options?: WriteOptions): Promise<void> {
    return this.run('upsert', table, async () => {
      const schema = await this.schemaOf(table);
      schema.checkFullRow(row);
      const statement = this.statements.insert(schema, row, options?.ttlSeconds, false);
      await this.client.execute(statement.query, statement.params, this.writeOptions());
    });
  }

  insertIfNotExists(table: string, row: Row, options?: WriteOptions): Promise<ConditionalResult> {
    return this.run('insertIfNotExists', table, async () =>
      this.executeConditional(
        await this.prepareConditional({
          kind: 'insertIfNotExists',
          table,
          row,
          ttlSeconds: options?.ttlSeconds,
        }),
      ),
    );
  }

  updateIf(
    table: string,
    key: Row,
    set: Row,
    expected: Row,
    options?: WriteOptions,
  ): Promise<ConditionalResult> {
    return this.run('updateIf', table, async () =>
      this.executeConditional(
        await this.prepareConditional({
          kind: 'updateIf',
          table,
          key,
          set,
          expected,
          ttlSeconds: options?.ttlSeconds,
        }),
      ),
    );
  }

  /**
   * Separate lightweight transactions, at most `conditionalWritesConcurrencyMax` in flight. After
   * a failure no new one starts; the call waits for those in flight, then throws the first error
   * (the ones that finished stay applied: the port promises no atomicity here).
   */
  conditionalWrites(
    statements: readonly ConditionalStatement[],
  ): Promise<readonly ConditionalResult[]> {
    return this.run('conditionalWrites', undefined, async () => {
      const statementsMax = this.options.conditionalWritesMax ?? 1000;
      if (statements.length > statementsMax) {
        throw invalidRequest(
          STORE_ERROR_CODES.requestTooLarge,
          `conditionalWrites takes at most ${statementsMax} statements`,
          { statements: statements.length },
        );
      }
      const conditionals: PreparedConditional[] = [];
      const rowsNamed = new Set<string>();
      for (const statement of statements) {
        const conditional = await this.prepareConditional(statement);
        const identity = `${conditional.schema.name}|${keyIdentity(conditional.schema, conditional.key)}`;
        if (rowsNamed.has(identity)) {
          throw invalidRequest(
            STORE_ERROR_CODES.row,
            `conditionalWrites names one row of ${conditional.schema.name} twice`,
            { table: conditional.schema.name },
          );
        }
        rowsNamed.add(identity);
        conditionals.push(conditional);
      }
      const results: ConditionalResult[] = [];
      const failures: unknown[] = [];
      let nextIndex = 0;
      const worker = async (): Promise<void> => {
        while (failures.length === 0 && nextIndex < conditionals.length) {
          const index = nextIndex;
          nextIndex += 1;
          try {
            results[index] = await this.executeConditional(conditionals[index]);
          } catch (error) {
            failures.push(error);
          }
        }
      };
      const concurrency = Math.min(
        this.options.conditionalWritesConcurrencyMax ?? 32,
        conditionals.length,
      );
      await Promise.all(Array.from({ length: concurrency }, () => worker()));
      if (failures.length > 0) {
        throw failures[0];
      }
      return results;
    });
  }

  delete(table: string, key: Row): Promise<void> {
    return this.run('delete', table, async () => {
      const schema = await this.schemaOf(table);
      schema.checkPrimaryKey(key);
      const statement = this.statements.delete(schema, key);
      await this.client.execute(statement.query, statement.params, this.writeOptions());
    });
  }

  query(query: RangeQuery): Promise<Page> {
    return this.run('query', query.table, async () => {
      const schema = await this.schemaOf(query.table);
      schema.checkPartitionKey(query.partition);
      const limitMax = this.options.queryLimitMax ?? 10_000;
      if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > limitMax) {
        throw invalidRequest(
          STORE_ERROR_CODES.query,
          `limit must be a whole number from 1 to ${limitMax}`,
          { table: schema.name },
        );
      }
      const order = query.order ?? schema.clustering[0]?.order ?? 'asc';
      const statement = this.statements.range(schema, query, order);
      const result = await this.client.execute(statement.query, statement.params, {
        prepare: true,
        consistency: this.consistency,
        fetchSize: query.limit,
        autoPage: false,
        pageState:
          query.pageState === undefined
            ? undefined
            : decodePageState(query.pageState, schema.name, order),
      });
      const rows = result.rows.map((row) => decodeRow(schema, row));
      const pageState: unknown = result.pageState;
      return typeof pageState === 'string' && pageState.length > 0
        ? { rows, pageState: encodePageState(schema.name, order, pageState) }
        : { rows };
    });
  }

  /** A logged batch: Cassandra's batch log makes all its writes apply or none. */
  batch(statements: readonly WriteStatement[]): Promise<void> {
    return this.run('batch', undefined, async () => {
      const statementsMax = this.options.batchStatementsMax ?? 100;
      if (statements.length > statementsMax) {
        throw invalidRequest(
          STORE_ERROR_CODES.requestTooLarge,
          `a batch takes at most ${statementsMax} statements`,
          { statements: statements.length },
        );
      }
      if (statements.length === 0) {
        return;
      }
      // Every statement is checked before anything is sent, so an invalid one fails the batch.
      const queries: BoundStatement[] = [];
      for (const statement of statements) {
        queries.push(await this.batchStatement(statement));
      }
      await this.client.batch(queries, {
        prepare: true,
        logged: true,
        consistency: this.consistency,
      });
    });
  }

  ping(): Promise<void> {
    return this.run('ping', undefined, async () => {
      await this.client.execute('SELECT release_version FROM system.local', [], {
        consistency: types.consistencies.localOne,
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    await this.client.shutdown();
  }

  private assertOpen(): void {
    if (this.closed) {
      throw storeClosed();
    }
  }

  private async run<T>(
    operation: string,
    table: string | undefined,
    work: () => Promise<T>,
  ): Promise<T> {
    this.assertOpen();
    try {
      return await work();
    } catch (error) {
      throw mapCassandraError(error, operation, table);
    }
  }

  private writeOptions(): { prepare: true; consistency: number; serialConsistency: number } {
    return {
      prepare: true,
      consistency: this.consistency,
      serialConsistency: this.serialConsistency,
    };
  }

  private async schemaOf(table: string): Promise<TableSchema> {
    let schema = this.catalog.get(table);
    if (schema === undefined) {
      // Another process may have migrated since this one loaded its catalog.
      await this.reloadCatalog();
      schema = this.catalog.get(table);
    }
    if (schema === undefined) {
      throw invalidRequest(STORE_ERROR_CODES.unknownTable, `unknown table ${table}`, {
        table: String(table),
      });
    }
    return schema;
  }

  private async readRow(
    schema: TableSchema,
    key: Row,
    consistency: types.consistencies,
  ): Promise<Row | undefined> {
    const statement = this.statements.select(schema, key);
    const result = await this.client.execute(statement.query, statement.params, {
      prepare: true,
      consistency,
    });
    const row = result.first();
    return row === null || row === undefined ? undefined : decodeRow(schema, row);
  }

  private async prepareConditional(statement: ConditionalStatement): Promise<PreparedConditional> {
    const schema = await this.schemaOf(statement.table);
    if (statement.kind === 'insertIfNotExists') {
      schema.checkFullRow(statement.row);
      return {
        schema,
        key: Object.fromEntries(schema.primaryKey.map((column) => [column, statement.row[column]])),
        statement: this.statements.insert(schema, statement.row, statement.ttlSeconds, true),
        ifNotExists: true,
      };
    }
    schema.checkPrimaryKey(statement.key);
    schema.checkRegularColumns(statement.set, 'set', false);
    schema.checkRegularColumns(statement.expected, 'expected', true);
    return {
      schema,
      key: statement.key,
      statement: this.statements.update(
        schema,
        statement.key,
        statement.set,
        statement.ttlSeconds,
        statement.expected,
      ),
      ifNotExists: false,
    };
  }

  private async executeConditional(conditional: PreparedConditional): Promise<ConditionalResult> {
    const { schema, key, statement, ifNotExists } = conditional;
    const result = await this.client.execute(
      statement.query,
      statement.params,
      this.writeOptions(),
    );
    if (result.wasApplied()) {
      return { applied: true };
    }
    if (ifNotExists) {
      // A failed INSERT IF NOT EXISTS returns the whole existing row next to [applied].
      return { applied: false, current: decodeRow(schema, result.first()) };
    }
    // A failed UPDATE IF returns only the compared columns: read the whole row linearizably.
    const current = await this.readRow(schema, key, this.serialConsistency);
    return current === undefined ? { applied: false } : { applied: false, current };
  }

  private async batchStatement(statement: WriteStatement): Promise<BoundStatement> {
    const schema = await this.schemaOf(statement.table);
    switch (statement.kind) {
      case 'upsert':
        schema.checkFullRow(statement.row);
        return this.statements.insert(schema, statement.row, statement.ttlSeconds, false);
      case 'update':
        schema.checkPrimaryKey(statement.key);
        schema.checkRegularColumns(statement.set, 'set', false);
        return this.statements.update(schema, statement.key, statement.set, statement.ttlSeconds);
      case 'delete':
        schema.checkPrimaryKey(statement.key);
        return this.statements.delete(schema, statement.key);
    }
  }

  private async recordedMigrations(): Promise<(AppliedMigration & { status: string })[]> {
    // A scan of the whole (small) log; SERIAL reads are refused across partitions, and the
    // per-migration claim below re-reads its own row at SERIAL where it matters.
    const result = await this.client.execute(
      `SELECT "id", "definition", "status" FROM ${this.keyspace}."${MIGRATIONS_TABLE}"`,
      [],
      { prepare: true, consistency: this.consistency },
    );
    return result.rows.map((row) => ({
      id: row.get('id') as string,
      definition: row.get('definition') as string,
      status: row.get('status') as string,
    }));
  }

  private async reloadCatalog(): Promise<void> {
    try {
      const recorded = await this.recordedMigrations();
      this.catalog = catalogOf(recorded.filter(({ status }) => status === 'applied'));
    } catch (error) {
      // Before the first migrate the keyspace or the log does not exist: no tables yet.
      if (
        error instanceof errors.ResponseError &&
        error.code === INVALID_REQUEST_CODE &&
        /does not exist|unconfigured table/i.test(error.message)
      ) {
        this.catalog = new Map();
        return;
      }
      throw mapCassandraError(error, 'loadCatalog');
    }
  }

  private async applyOnce(migration: Migration): Promise<void> {
    const owner = randomUUID();
    const log = `${this.keyspace}."${MIGRATIONS_TABLE}"`;
    const definition = canonicalDefinition(migration);
    const claim = await this.client.execute(
      `INSERT INTO ${log} ("id", "description", "definition", "status", "owner", "claimed_at") ` +
        `VALUES (?, ?, ?, 'applying', ?, ?) IF NOT EXISTS`,
      [migration.id, migration.description, definition, owner, this.clock.now()],
      this.writeOptions(),
    );
    if (!claim.wasApplied()) {
      const claimedDefinition: unknown = claim.first()?.get('definition');
      if (claimedDefinition !== definition) {
        throw invalidRequest(
          STORE_ERROR_CODES.migrationChanged,
          `migration ${migration.id} was claimed with different tables by another process`,
          { migrationId: migration.id },
        );
      }
      const finished = await this.awaitOtherClaimant(migration.id, owner);
      if (finished) {
        return;
      }
    }
    for (const table of migration.createTables) {
      await this.client.execute(renderTableCql(table, this.options.keyspace));
    }
    // Not applied means another process took the claim over while this one ran the (idempotent)
    // DDL; that process then records the migration as applied itself.
    await this.client.execute(
      `UPDATE ${log} SET "status" = 'applied', "applied_at" = ? WHERE "id" = ? IF "owner" = ?`,
      [this.clock.now(), migration.id, owner],
      this.writeOptions(),
    );
  }

  /**
   * Waits (bounded) for the process that claimed a migration to finish it. Returns true when it
   * did; false when this process took the stale claim over and must apply the migration itself.
   */
  private async awaitOtherClaimant(migrationId: string, owner: string): Promise<boolean> {
    const log = `${this.keyspace}."${MIGRATIONS_TABLE}"`;
    const deadline = this.clock.nowMs() + (this.options.migrationWaitMs ?? 60_000);
    const pollsMax = Math.ceil((this.options.migrationWaitMs ?? 60_000) / MIGRATION_POLL_MS) + 1;
    for (let poll = 0; poll < pollsMax && this.clock.nowMs() < deadline; poll += 1) {
      const current = await this.readClaim(migrationId);
      if (current?.status === 'applied') {
        return true;
      }
      await new Promise((resolve) => setTimeout(resolve, MIGRATION_POLL_MS));
    }
    // The claimant went quiet: take its claim over. The DDL is IF NOT EXISTS, so applying again
    // after a claimant that died half-way is safe.
    const current = await this.readClaim(migrationId);
    if (current?.status === 'applied') {
      return true;
    }
    const takeover = await this.client.execute(
      `UPDATE ${log} SET "owner" = ?, "claimed_at" = ? WHERE "id" = ? IF "owner" = ? AND "status" = 'applying'`,
      [owner, this.clock.now(), migrationId, current?.owner ?? null],
      this.writeOptions(),
    );
    if (!takeover.wasApplied()) {
      throw storeTimeout(
        `migration ${migrationId} is being applied by another process`,
        undefined,
        {
          migrationId,
        },
      );
    }
    return false;
  }

  private async readClaim(
    migrationId: string,
  ): Promise<{ status: string; owner: string } | undefined> {
    const result = await this.client.execute(
      `SELECT "status", "owner" FROM ${this.keyspace}."${MIGRATIONS_TABLE}" WHERE "id" = ?`,
      [migrationId],
      { prepare: true, consistency: this.serialConsistency },
    );
    const row = result.first();
    return row === null || row === undefined
      ? undefined
      : { status: row.get('status') as string, owner: row.get('owner') as string };
  }
}

function decodeRow(schema: TableSchema, row: types.Row): Row {
  const decoded: Record<string, StoreValue> = {};
  for (const column of schema.columnNames) {
    decoded[column] = decodeCqlValue(schema.typeOf(column), row.get(column));
  }
  return decoded;
}

function keyIdentity(schema: TableSchema, key: Row): string {
  return JSON.stringify(
    schema.primaryKey.map((column) => {
      const value = encodeCqlValue(schema.typeOf(column), key[column]);
      return Buffer.isBuffer(value)
        ? `b:${value.toString('base64')}`
        : value instanceof Date
          ? `d:${value.getTime()}`
          : `${typeof value}:${String(value)}`;
    }),
  );
}

/** The driver's page state, bound to the query it came from like the SQLite adapter's. */
function encodePageState(table: string, order: 'asc' | 'desc', driverState: string): string {
  return Buffer.from(JSON.stringify({ table, order, driverState })).toString('base64url');
}

function decodePageState(pageState: string, table: string, order: 'asc' | 'desc'): string {
  try {
    const envelope = JSON.parse(Buffer.from(pageState, 'base64url').toString('utf8')) as {
      table?: unknown;
      order?: unknown;
      driverState?: unknown;
    };
    if (
      envelope.table === table &&
      envelope.order === order &&
      typeof envelope.driverState === 'string' &&
      /^[0-9a-f]+$/.test(envelope.driverState)
    ) {
      return envelope.driverState;
    }
  } catch {
    // Falls through to the error below.
  }
  throw invalidRequest(STORE_ERROR_CODES.pageState, 'page state does not belong to this query', {
    table,
  });
}
