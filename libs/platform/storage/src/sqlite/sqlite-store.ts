import { type Clock, systemClock } from '@corebank/platform-clock';
import { isPlatformError } from '@corebank/platform-errors';
import Database from 'better-sqlite3';
import {
  type AppliedMigration,
  catalogOf,
  canonicalDefinition,
  MIGRATIONS_TABLE,
  pendingMigrations,
} from '../schema/migration-plan';
import { checkTtlSeconds, type TableSchema } from '../schema/table-schema';
import { invalidRequest, STORE_ERROR_CODES, storeClosed, storeUnavailable } from '../store-errors';
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
import {
  decodePageState,
  decodeSqliteValue,
  encodePageState,
  encodeSqliteValue,
  SQLITE_COLUMN_TYPES,
  type SqliteValue,
  storedValueEquals,
} from './sqlite-codec';
import { isSqliteError, mapSqliteError } from './sqlite-errors';

/** The hidden column that carries a row's TTL; NULL means the row never expires. */
const EXPIRES_AT_COLUMN = '__expires_at_ms';

export interface SqliteStoreOptions {
  /** The database file. Several processes may open the same file. */
  readonly path: string;
  /** How long a write waits for another connection's lock before `timeout.store`. Default 5000. */
  readonly busyTimeoutMs?: number;
  /**
   * `full` (default): every commit fsyncs the WAL, so an acknowledged write survives a power
   * loss or kernel crash, which a bank owes its customers. `normal`: commits survive a crash of
   * the process but the last ones may be lost on power loss (never corrupting the file); only for
   * data that can be rebuilt, or when writes are grouped with `batch()` and the caller accepts it.
   */
  readonly synchronous?: 'full' | 'normal';
  /** Decides when TTL'd rows expire. Default: the system clock. */
  readonly clock?: Clock;
  /** Expired rows are invisible at once and deleted in the background this often. 0 turns it off. Default 60000. */
  readonly expiredRowPurgeIntervalMs?: number;
  /** Rows deleted per table per purge round, so a purge never holds the write lock for long. Default 1000. */
  readonly expiredRowPurgeBatchMax?: number;
  /** Prepared statements kept per connection (one per table and write shape). Default 500. */
  readonly statementCacheMax?: number;
  /** Keys accepted by one getMany. Default 1000. */
  readonly getManyKeysMax?: number;
  /** Statements accepted by one batch. Default 10000. */
  readonly batchStatementsMax?: number;
  /** Statements accepted by one conditionalWrites. Default 10000. */
  readonly conditionalWritesMax?: number;
  /** Largest `limit` a range query may ask for. Default 10000. */
  readonly queryLimitMax?: number;
}

/**
 * A checked, bound write. Time is applied only when it runs (`execute`), inside the transaction:
 * a write that waited for another process's lock must judge expiry by the time it commits.
 */
interface PreparedWrite {
  readonly statement: Database.Statement;
  readonly values: readonly SqliteValue[];
  /** `delete` writes no expiry; an upsert without TTL writes NULL (never expires). */
  readonly expiry: { readonly ttlSeconds: number | undefined } | 'delete';
  /** The statement reads `@now` to blank the cells of an expired row it overwrites. */
  readonly readsNow: boolean;
  /** For upserts: the shape, so a run of writes of one shape can share a multi-row statement. */
  readonly shape?: WriteShape;
}

/** The SQL of one upsert shape (table and written columns), in parts to repeat the VALUES row. */
interface WriteShape {
  readonly key: string;
  readonly written: readonly string[];
  readonly head: string;
  readonly valuesRow: string;
  readonly tail: string;
  /** Multi-row statement sizes usable for this shape (largest first), within the bind limit. */
  readonly multiRowSizes: readonly number[];
}

/**
 * Rows per multi-row upsert in a batch: a run of writes of one shape goes to SQLite in statements
 * of this many rows (fewer calls into the engine), kept under SQLite's historical 999 bind values.
 */
const MULTI_ROW_SIZES = [64, 8] as const;
const BIND_VALUES_MAX = 999;

/** A checked conditional write: `expected` undefined means insert-if-not-exists. */
type PreparedConditional =
  | {
      readonly schema: TableSchema;
      readonly key: Row;
      readonly write: PreparedWrite;
      readonly expected: undefined;
    }
  | {
      readonly schema: TableSchema;
      readonly key: Row;
      /** A plain UPDATE: it only runs once the row was read, live and matching, in the lock. */
      readonly update: PreparedUpdate;
      readonly expected: Row;
    };

/** `UPDATE ... SET <set columns>, expiry WHERE <key>`, checked and bound. */
interface PreparedUpdate {
  readonly statement: Database.Statement;
  readonly setValues: readonly SqliteValue[];
  readonly keyValues: readonly SqliteValue[];
  readonly ttlSeconds: number | undefined;
}

/**
 * Keys per `IN (...)` read. Shorter chunks are padded up to one of these sizes (repeating a key,
 * which IN ignores), so a table needs at most this many read statements whatever the key count.
 */
const IN_LIST_SIZES = [1, 8, 64, 256] as const;

/**
 * The Store port on an embedded SQLite file (better-sqlite3, synchronous; every method returns a
 * settled promise). WAL mode lets readers proceed while one writer commits; conditional writes
 * read, compare and write inside one BEGIN IMMEDIATE transaction, which takes the file's write
 * lock first, so they stay correct when several processes share the file.
 *
 * TTL is per row: a write with `ttlSeconds` sets the row's expiry, a write without it clears it.
 * Expired rows are invisible to reads and conditions at once, and are deleted in bounded rounds.
 */
export class SqliteStore implements Store {
  private readonly clock: Clock;
  private readonly statements = new Map<string, Database.Statement>();
  /** Per table, shapes by the bit mask of their written columns (tables of up to 31 columns). */
  private readonly writeShapes = new Map<TableSchema, Map<number | string, WriteShape>>();
  private writeShapeCount = 0;
  private readonly statementCacheMax: number;
  private readonly getManyKeysMax: number;
  private readonly batchStatementsMax: number;
  private readonly conditionalWritesMax: number;
  private readonly queryLimitMax: number;
  private readonly expiredRowPurgeBatchMax: number;
  private readonly inImmediateTransaction: <T>(work: () => T) => T;
  private readonly inReadTransaction: <T>(work: () => T) => T;
  private purgeTimer: NodeJS.Timeout | undefined;
  private catalog = new Map<string, TableSchema>();
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    options: SqliteStoreOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.statementCacheMax = options.statementCacheMax ?? 500;
    this.getManyKeysMax = options.getManyKeysMax ?? 1000;
    this.batchStatementsMax = options.batchStatementsMax ?? 10_000;
    this.conditionalWritesMax = options.conditionalWritesMax ?? 10_000;
    this.queryLimitMax = options.queryLimitMax ?? 10_000;
    this.expiredRowPurgeBatchMax = options.expiredRowPurgeBatchMax ?? 1000;
    const transaction = db.transaction((work: () => unknown) => work());
    this.inImmediateTransaction = <T>(work: () => T): T => transaction.immediate(work) as T;
    this.inReadTransaction = <T>(work: () => T): T => transaction.deferred(work) as T;
  }

  /**
   * Opens (creating if needed) the database file in WAL mode and loads the tables earlier
   * migrations created. Throws `unavailable.store` when the file cannot be opened.
   */
  static open(options: SqliteStoreOptions): Promise<SqliteStore> {
    let db: Database.Database | undefined;
    try {
      db = new Database(options.path, { timeout: options.busyTimeoutMs ?? 5000 });
      db.defaultSafeIntegers(true);
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
      db.exec(
        `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (id TEXT PRIMARY KEY NOT NULL, ` +
          'description TEXT NOT NULL, definition TEXT NOT NULL, applied_at_ms INTEGER NOT NULL) STRICT',
      );
      const store = new SqliteStore(db, options);
      store.reloadCatalog();
      store.startExpiredRowPurge(options.expiredRowPurgeIntervalMs ?? 60_000);
      return Promise.resolve(store);
    } catch (error) {
      db?.close();
      if (isSqliteError(error) || isPlatformError(error)) {
        return Promise.reject(mapSqliteError(error, 'open'));
      }
      // better-sqlite3 throws a plain TypeError for a path it cannot use (a missing directory):
      // a deployment mistake that retrying does not fix.
      return Promise.reject(
        storeUnavailable(
          'sqlite could not open the database file',
          error,
          { operation: 'open' },
          false,
        ),
      );
    }
  }

  migrate(migrations: readonly Migration[]): Promise<void> {
    return this.run('migrate', undefined, () => {
      this.inImmediateTransaction(() => {
        const pending = pendingMigrations(migrations, this.appliedMigrations());
        const record = this.db.prepare(
          `INSERT INTO ${MIGRATIONS_TABLE} (id, description, definition, applied_at_ms) VALUES (?, ?, ?, ?)`,
        );
        for (const migration of pending) {
          for (const table of migration.createTables) {
            for (const ddl of renderSqliteDdl(table)) {
              this.db.exec(ddl);
            }
          }
          record.run(
            migration.id,
            migration.description,
            canonicalDefinition(migration),
            this.clock.nowMs(),
          );
        }
      });
      this.reloadCatalog();
    });
  }

  get(table: string, key: Row): Promise<Row | undefined> {
    return this.run('get', table, () => {
      const schema = this.schemaOf(table);
      schema.checkPrimaryKey(key);
      return this.readLive(schema, key, this.clock.nowMs());
    });
  }

  getMany(table: string, keys: readonly Row[]): Promise<readonly Row[]> {
    return this.run('getMany', table, () => {
      const schema = this.schemaOf(table);
      if (keys.length > this.getManyKeysMax) {
        throw invalidRequest(
          STORE_ERROR_CODES.requestTooLarge,
          `getMany takes at most ${this.getManyKeysMax} keys`,
          { table, keys: keys.length },
        );
      }
      for (const key of keys) {
        schema.checkPrimaryKey(key);
      }
      const nowMs = this.clock.nowMs();
      if (schema.primaryKey.length === 1) {
        return this.readManyBySingleColumnKey(schema, keys, nowMs);
      }
      const distinct = new Map<string, Row>();
      for (const key of keys) {
        distinct.set(keyIdentity(schema, key), key);
      }
      // One read transaction: every row comes from the same snapshot of the file.
      return this.inReadTransaction(() => {
        const rows: Row[] = [];
        for (const key of distinct.values()) {
          const row = this.readLive(schema, key, nowMs);
          if (row !== undefined) {
            rows.push(row);
          }
        }
        return rows;
      });
    });
  }

  upsert(table: string, row: Row, options?: WriteOptions): Promise<void> {
    return this.run('upsert', table, () => {
      const schema = this.schemaOf(table);
      schema.checkFullRow(row);
      this.execute(this.prepareWrite(schema, row, options?.ttlSeconds), this.clock.nowMs());
    });
  }

  insertIfNotExists(table: string, row: Row, options?: WriteOptions): Promise<ConditionalResult> {
    return this.run('insertIfNotExists', table, () => {
      const conditional = this.prepareConditional({
        kind: 'insertIfNotExists',
        table,
        row,
        ttlSeconds: options?.ttlSeconds,
      });
      return this.inImmediateTransaction(() =>
        this.applyConditional(conditional, this.clock.nowMs()),
      );
    });
  }

  updateIf(
    table: string,
    key: Row,
    set: Row,
    expected: Row,
    options?: WriteOptions,
  ): Promise<ConditionalResult> {
    return this.run('updateIf', table, () => {
      const conditional = this.prepareConditional({
        kind: 'updateIf',
        table,
        key,
        set,
        expected,
        ttlSeconds: options?.ttlSeconds,
      });
      return this.inImmediateTransaction(() =>
        this.applyConditional(conditional, this.clock.nowMs()),
      );
    });
  }

  /**
   * Every statement is checked and bound first; then all run in order inside one BEGIN IMMEDIATE
   * transaction, each deciding on its own row as it stands (one lock and one commit for all).
   */
  conditionalWrites(
    statements: readonly ConditionalStatement[],
  ): Promise<readonly ConditionalResult[]> {
    return this.run('conditionalWrites', undefined, () => {
      if (statements.length > this.conditionalWritesMax) {
        throw invalidRequest(
          STORE_ERROR_CODES.requestTooLarge,
          `conditionalWrites takes at most ${this.conditionalWritesMax} statements`,
          { statements: statements.length },
        );
      }
      const conditionals = statements.map((statement) => this.prepareConditional(statement));
      const rowsNamed = new Set<string>();
      for (const { schema, key } of conditionals) {
        const identity = `${schema.name}|${keyIdentity(schema, key)}`;
        if (rowsNamed.has(identity)) {
          throw invalidRequest(
            STORE_ERROR_CODES.row,
            `conditionalWrites names one row of ${schema.name} twice`,
            { table: schema.name },
          );
        }
        rowsNamed.add(identity);
      }
      if (conditionals.length === 0) {
        return [];
      }
      return this.inImmediateTransaction(() => {
        const nowMs = this.clock.nowMs();
        return conditionals.map((conditional) => this.applyConditional(conditional, nowMs));
      });
    });
  }

  delete(table: string, key: Row): Promise<void> {
    return this.run('delete', table, () => {
      const schema = this.schemaOf(table);
      schema.checkPrimaryKey(key);
      this.execute(this.prepareDelete(schema, key), this.clock.nowMs());
    });
  }

  query(query: RangeQuery): Promise<Page> {
    return this.run('query', query.table, () => this.rangeQuery(query));
  }

  batch(statements: readonly WriteStatement[]): Promise<void> {
    return this.run('batch', undefined, () => {
      if (statements.length > this.batchStatementsMax) {
        throw invalidRequest(
          STORE_ERROR_CODES.requestTooLarge,
          `a batch takes at most ${this.batchStatementsMax} statements`,
          { statements: statements.length },
        );
      }
      // Every statement is checked and bound before the transaction starts, so an invalid one
      // fails the batch before anything is written; an engine error inside rolls it all back.
      const writes = statements.map((statement) => this.prepareBatchStatement(statement));
      this.inImmediateTransaction(() => this.executeInRuns(writes, this.clock.nowMs()));
    });
  }

  ping(): Promise<void> {
    return this.run('ping', undefined, () => {
      this.db.prepare('SELECT 1').get();
    });
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      if (this.purgeTimer !== undefined) {
        clearInterval(this.purgeTimer);
      }
      this.statements.clear();
      this.db.close();
    }
    return Promise.resolve();
  }

  /**
   * Deletes expired rows, at most `expiredRowPurgeBatchMax` per table, each table in its own short
   * transaction. Returns how many rows went. Reads never depend on it: it only frees space.
   */
  purgeExpiredRows(): Promise<number> {
    return this.run('purgeExpiredRows', undefined, () => this.purgeExpiredRowsNow());
  }

  private purgeExpiredRowsNow(): number {
    const nowMs = this.clock.nowMs();
    let deleted = 0;
    for (const schema of this.catalog.values()) {
      const key = schema.primaryKey.map(quote).join(', ');
      const statement = this.cached(`purge|${schema.name}`, () =>
        this.db.prepare(
          `DELETE FROM ${quote(schema.name)} WHERE (${key}) IN (SELECT ${key} FROM ${quote(schema.name)} ` +
            `WHERE ${quote(EXPIRES_AT_COLUMN)} <= ? LIMIT ?)`,
        ),
      );
      deleted += statement.run(nowMs, this.expiredRowPurgeBatchMax).changes;
    }
    return deleted;
  }

  private startExpiredRowPurge(intervalMs: number): void {
    if (intervalMs <= 0) {
      return;
    }
    this.purgeTimer = setInterval(() => {
      try {
        this.purgeExpiredRowsNow();
      } catch {
        // A busy file or a failing disk only delays the cleanup; expired rows stay invisible and
        // the next round tries again. Real write failures surface on the callers' own writes.
      }
    }, intervalMs);
    this.purgeTimer.unref();
  }

  private run<T>(operation: string, table: string | undefined, work: () => T): Promise<T> {
    if (this.closed) {
      return Promise.reject(storeClosed());
    }
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(mapSqliteError(error, operation, table));
    }
  }

  private schemaOf(table: string): TableSchema {
    let schema = this.catalog.get(table);
    if (schema === undefined) {
      // Another process may have migrated since this one loaded its catalog.
      this.reloadCatalog();
      schema = this.catalog.get(table);
    }
    if (schema === undefined) {
      throw invalidRequest(STORE_ERROR_CODES.unknownTable, `unknown table ${table}`, {
        table: String(table),
      });
    }
    return schema;
  }

  private appliedMigrations(): AppliedMigration[] {
    return this.db
      .prepare(`SELECT id, definition FROM ${MIGRATIONS_TABLE} ORDER BY applied_at_ms, id`)
      .all() as AppliedMigration[];
  }

  private reloadCatalog(): void {
    this.catalog = catalogOf(this.appliedMigrations());
  }

  private cached(shape: string, prepare: () => Database.Statement): Database.Statement {
    const found = this.statements.get(shape);
    if (found !== undefined) {
      // Re-inserting keeps the Map in least-recently-used order for eviction.
      this.statements.delete(shape);
      this.statements.set(shape, found);
      return found;
    }
    const statement = prepare();
    if (this.statements.size >= this.statementCacheMax) {
      const oldest = this.statements.keys().next().value;
      if (oldest !== undefined) {
        this.statements.delete(oldest);
      }
    }
    this.statements.set(shape, statement);
    return statement;
  }

  private readLiveRaw(schema: TableSchema, key: Row, nowMs: number): unknown[] | undefined {
    const statement = this.cached(`get|${schema.name}`, () =>
      this.db
        .prepare(
          `SELECT ${schema.columnNames.map(quote).join(', ')} FROM ${quote(schema.name)} WHERE ` +
            `${schema.primaryKey.map((column) => `${quote(column)} = ?`).join(' AND ')} AND ${LIVE_CONDITION}`,
        )
        .raw(true),
    );
    return statement.get(...encodeColumns(schema, schema.primaryKey, key), nowMs) as
      unknown[] | undefined;
  }

  private readLive(schema: TableSchema, key: Row, nowMs: number): Row | undefined {
    const raw = this.readLiveRaw(schema, key, nowMs);
    return raw === undefined ? undefined : decodeRow(schema, raw);
  }

  /**
   * One statement writes any subset of columns: it inserts, or updates the written columns of the
   * existing row. Columns it does not write are kept, unless the existing row had expired: an
   * expired row counts as absent, so its old values must not reappear.
   */
  private prepareWrite(
    schema: TableSchema,
    row: Row,
    ttlSeconds: number | undefined,
  ): PreparedWrite {
    checkTtlSeconds(ttlSeconds);
    const shape = this.writeShape(schema, row);
    const written = shape.written;
    const statement = this.cached(shape.key, () =>
      this.db.prepare(`${shape.head}${shape.valuesRow}${shape.tail}`),
    );
    return {
      statement,
      values: encodeColumns(schema, written, row),
      expiry: { ttlSeconds },
      readsNow: written.length < schema.columnNames.length,
      shape,
    };
  }

  /** The shape of writing `row`'s columns, found by a number (not a string) on the hot path. */
  private writeShape(schema: TableSchema, row: Row): WriteShape {
    const columnNames = schema.columnNames;
    let mask = 0;
    for (let index = 0; index < columnNames.length && index < 31; index += 1) {
      if (row[columnNames[index]] !== undefined) {
        mask |= 1 << index;
      }
    }
    const writtenOf = (): string[] => columnNames.filter((column) => row[column] !== undefined);
    const identity = columnNames.length <= 31 ? mask : writtenOf().join(',');
    let shapes = this.writeShapes.get(schema);
    const known = shapes?.get(identity);
    if (known !== undefined) {
      return known;
    }
    const written = writtenOf();
    const key = `write|${schema.name}|${written.join(',')}`;
    const unwritten = schema.regularColumns.filter((column) => !written.includes(column));
    const columns = [...written, EXPIRES_AT_COLUMN].map(quote);
    const assignments = [
      ...written
        .filter((column) => !schema.isKeyColumn(column))
        .map((column) => `${quote(column)} = excluded.${quote(column)}`),
      ...unwritten.map(
        (column) =>
          `${quote(column)} = CASE WHEN ${quote(EXPIRES_AT_COLUMN)} <= @now THEN NULL ELSE ${quote(column)} END`,
      ),
      `${quote(EXPIRES_AT_COLUMN)} = excluded.${quote(EXPIRES_AT_COLUMN)}`,
    ];
    // A multi-row upsert handles its rows one after the other, exactly like single statements
    // in sequence (a later row with the same key updates the row an earlier one inserted).
    const shape: WriteShape = {
      key,
      written,
      head: `INSERT INTO ${quote(schema.name)} (${columns.join(', ')}) VALUES `,
      valuesRow: `(${columns.map(() => '?').join(', ')})`,
      tail:
        ` ON CONFLICT (${schema.primaryKey.map(quote).join(', ')}) DO UPDATE SET ` +
        assignments.join(', '),
      multiRowSizes: MULTI_ROW_SIZES.filter((rows) => rows * columns.length <= BIND_VALUES_MAX),
    };
    if (this.writeShapeCount >= this.statementCacheMax) {
      this.writeShapes.clear();
      this.writeShapeCount = 0;
    }
    if (shapes === undefined) {
      shapes = new Map();
      this.writeShapes.set(schema, shapes);
    }
    shapes.set(identity, shape);
    this.writeShapeCount += 1;
    return shape;
  }

  /**
   * Runs a batch's writes in order; consecutive upserts of one shape go in multi-row statements,
   * which cost SQLite far fewer calls than one statement per row.
   */
  private executeInRuns(writes: readonly PreparedWrite[], nowMs: number): void {
    let index = 0;
    while (index < writes.length) {
      const write = writes[index];
      const shape = write.shape;
      if (shape !== undefined) {
        let runLength = 1;
        while (
          index + runLength < writes.length &&
          runLength < MULTI_ROW_SIZES[0] &&
          writes[index + runLength].shape === shape
        ) {
          runLength += 1;
        }
        const rows = shape.multiRowSizes.find((size) => size <= runLength);
        if (rows !== undefined) {
          this.executeMultiRow(shape, writes.slice(index, index + rows), nowMs);
          index += rows;
          continue;
        }
      }
      this.execute(write, nowMs);
      index += 1;
    }
  }

  private executeMultiRow(
    shape: WriteShape,
    writes: readonly PreparedWrite[],
    nowMs: number,
  ): void {
    const statement = this.cached(`${shape.key}|rows=${writes.length}`, () =>
      this.db.prepare(
        `${shape.head}${Array.from({ length: writes.length }, () => shape.valuesRow).join(', ')}${shape.tail}`,
      ),
    );
    const values: SqliteValue[] = [];
    for (const write of writes) {
      values.push(...write.values, this.expiresAtMs(write, nowMs));
    }
    if (writes[0].readsNow) {
      statement.run(...values, { now: nowMs });
    } else {
      statement.run(...values);
    }
  }

  private expiresAtMs(write: PreparedWrite, nowMs: number): number | null {
    const ttlSeconds = write.expiry === 'delete' ? undefined : write.expiry.ttlSeconds;
    return ttlSeconds === undefined ? null : nowMs + ttlSeconds * 1000;
  }

  private prepareDelete(schema: TableSchema, key: Row): PreparedWrite {
    const statement = this.cached(`delete|${schema.name}`, () =>
      this.db.prepare(
        `DELETE FROM ${quote(schema.name)} WHERE ` +
          schema.primaryKey.map((column) => `${quote(column)} = ?`).join(' AND '),
      ),
    );
    return {
      statement,
      values: encodeColumns(schema, schema.primaryKey, key),
      expiry: 'delete',
      readsNow: false,
    };
  }

  private prepareBatchStatement(statement: WriteStatement): PreparedWrite {
    const schema = this.schemaOf(statement.table);
    switch (statement.kind) {
      case 'upsert':
        schema.checkFullRow(statement.row);
        return this.prepareWrite(schema, statement.row, statement.ttlSeconds);
      case 'update':
        schema.checkPrimaryKey(statement.key);
        schema.checkRegularColumns(statement.set, 'set', false);
        return this.prepareWrite(
          schema,
          { ...statement.key, ...statement.set },
          statement.ttlSeconds,
        );
      case 'delete':
        schema.checkPrimaryKey(statement.key);
        return this.prepareDelete(schema, statement.key);
    }
  }

  private prepareConditional(statement: ConditionalStatement): PreparedConditional {
    const schema = this.schemaOf(statement.table);
    if (statement.kind === 'insertIfNotExists') {
      schema.checkFullRow(statement.row);
      return {
        schema,
        key: pick(schema.primaryKey, statement.row),
        write: this.prepareWrite(schema, statement.row, statement.ttlSeconds),
        expected: undefined,
      };
    }
    schema.checkPrimaryKey(statement.key);
    schema.checkRegularColumns(statement.set, 'set', false);
    schema.checkRegularColumns(statement.expected, 'expected', true);
    checkTtlSeconds(statement.ttlSeconds);
    const setColumns = Object.keys(statement.set);
    const updateStatement = this.cached(`update|${schema.name}|${setColumns.join(',')}`, () =>
      this.db.prepare(
        `UPDATE ${quote(schema.name)} SET ` +
          [...setColumns, EXPIRES_AT_COLUMN].map((column) => `${quote(column)} = ?`).join(', ') +
          ` WHERE ${schema.primaryKey.map((column) => `${quote(column)} = ?`).join(' AND ')}`,
      ),
    );
    return {
      schema,
      key: statement.key,
      update: {
        statement: updateStatement,
        setValues: encodeColumns(schema, setColumns, statement.set),
        keyValues: encodeColumns(schema, schema.primaryKey, statement.key),
        ttlSeconds: statement.ttlSeconds,
      },
      expected: statement.expected,
    };
  }

  /** Read, compare, write; the caller holds the write lock (BEGIN IMMEDIATE). */
  private applyConditional(conditional: PreparedConditional, nowMs: number): ConditionalResult {
    const { schema, key } = conditional;
    const raw = this.readLiveRaw(schema, key, nowMs);
    if (conditional.expected === undefined) {
      if (raw !== undefined) {
        return { applied: false, current: decodeRow(schema, raw) };
      }
      this.execute(conditional.write, nowMs);
      return { applied: true };
    }
    const { expected, update } = conditional;
    if (raw === undefined) {
      return { applied: false };
    }
    const matches = Object.entries(expected).every(([column, value]) =>
      storedValueEquals(schema.typeOf(column), raw[schema.columnNames.indexOf(column)], value),
    );
    if (!matches) {
      return { applied: false, current: decodeRow(schema, raw) };
    }
    // The row is live (just read under the lock), so a plain UPDATE keeps the columns not set,
    // as the upsert path would, at a fraction of its cost.
    const expiresAtMs = update.ttlSeconds === undefined ? null : nowMs + update.ttlSeconds * 1000;
    update.statement.run(...update.setValues, expiresAtMs, ...update.keyValues);
    return { applied: true };
  }

  /**
   * getMany on a one-column primary key: `IN (...)` reads of up to 256 keys each, inside one read
   * transaction (one snapshot), instead of one statement per key.
   */
  private readManyBySingleColumnKey(
    schema: TableSchema,
    keys: readonly Row[],
    nowMs: number,
  ): Row[] {
    const [keyColumn] = schema.primaryKey;
    const type = schema.typeOf(keyColumn);
    // One column, one type: a blob compares by its bytes, anything else by its value.
    const distinct = new Map<string | number | bigint | null, SqliteValue>();
    for (const key of keys) {
      const value = encodeSqliteValue(type, key[keyColumn]);
      distinct.set(Buffer.isBuffer(value) ? value.toString('base64') : value, value);
    }
    const values = [...distinct.values()];
    const largest = IN_LIST_SIZES[IN_LIST_SIZES.length - 1];
    return this.inReadTransaction(() => {
      const rows: Row[] = [];
      for (let start = 0; start < values.length; start += largest) {
        const chunk = values.slice(start, start + largest);
        const size = IN_LIST_SIZES.find((candidate) => candidate >= chunk.length) ?? largest;
        while (chunk.length < size) {
          chunk.push(chunk[0]);
        }
        const statement = this.cached(`getIn|${schema.name}|${size}`, () =>
          this.db
            .prepare(
              `SELECT ${schema.columnNames.map(quote).join(', ')} FROM ${quote(schema.name)} WHERE ` +
                `${quote(keyColumn)} IN (${chunk.map(() => '?').join(', ')}) AND ${LIVE_CONDITION}`,
            )
            .raw(true),
        );
        for (const raw of statement.all(...chunk, nowMs) as unknown[][]) {
          rows.push(decodeRow(schema, raw));
        }
      }
      return rows;
    });
  }

  private execute(write: PreparedWrite, nowMs: number): void {
    if (write.expiry === 'delete') {
      write.statement.run(...write.values);
      return;
    }
    const expiresAtMs = this.expiresAtMs(write, nowMs);
    if (write.readsNow) {
      write.statement.run(...write.values, expiresAtMs, { now: nowMs });
    } else {
      write.statement.run(...write.values, expiresAtMs);
    }
  }

  private rangeQuery(query: RangeQuery): Page {
    const schema = this.schemaOf(query.table);
    schema.checkPartitionKey(query.partition);
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > this.queryLimitMax) {
      throw invalidRequest(
        STORE_ERROR_CODES.query,
        `limit must be a whole number from 1 to ${this.queryLimitMax}`,
        { table: schema.name },
      );
    }
    const clustering = schema.clustering;
    const first = clustering[0];
    const range = query.range ?? {};
    const bounds = (['gt', 'gte', 'lt', 'lte'] as const).filter(
      (bound) => range[bound] !== undefined,
    );
    if (bounds.length > 0 && first === undefined) {
      throw invalidRequest(STORE_ERROR_CODES.query, `${schema.name} has no clustering column`, {
        table: schema.name,
      });
    }
    const boundColumn = first ?? { column: '', type: 'text' as const };
    for (const bound of bounds) {
      schema.checkValue(boundColumn.column, range[bound]);
      if (range[bound] === null) {
        throw invalidRequest(STORE_ERROR_CODES.query, 'a range bound may not be null', {
          table: schema.name,
        });
      }
    }
    const order = query.order ?? first?.order ?? 'asc';
    const reversed = first !== undefined && order !== first.order;
    const directions = clustering.map(({ order: declared }) =>
      reversed ? (declared === 'asc' ? 'desc' : 'asc') : declared,
    );
    const clusteringTypes = clustering.map(({ type }) => type);
    const cursor =
      query.pageState === undefined || clustering.length === 0
        ? undefined
        : decodePageState(query.pageState, schema.name, order, clusteringTypes);

    const statement = this.cached(
      `query|${schema.name}|${order}|${bounds.join(',')}|${cursor === undefined ? '' : 'cursor'}`,
      () => {
        const conditions = [
          ...schema.partitionKey.map((column) => `${quote(column)} = ?`),
          LIVE_CONDITION,
          ...bounds.map((bound) => `${quote(boundColumn.column)} ${RANGE_OPERATORS[bound]} ?`),
        ];
        if (cursor !== undefined) {
          conditions.push(
            cursorCondition(
              clustering.map(({ column }) => column),
              directions,
            ),
          );
        }
        const orderBy =
          clustering.length === 0
            ? ''
            : ` ORDER BY ${clustering.map(({ column }, index) => `${quote(column)} ${directions[index].toUpperCase()}`).join(', ')}`;
        return this.db
          .prepare(
            `SELECT ${schema.columnNames.map(quote).join(', ')} FROM ${quote(schema.name)} ` +
              `WHERE ${conditions.join(' AND ')}${orderBy} LIMIT ?`,
          )
          .raw(true);
      },
    );
    const parameters: SqliteValue[] = [
      ...encodeColumns(schema, schema.partitionKey, query.partition),
      this.clock.nowMs(),
      ...bounds.map((bound) => encodeSqliteValue(boundColumn.type, range[bound] as StoreValue)),
      ...(cursor === undefined ? [] : cursorParameters(cursor)),
      // One row more than asked tells whether another page follows.
      query.limit + 1,
    ];
    const raws = statement.all(...parameters) as unknown[][];
    const hasMore = raws.length > query.limit;
    const pageRaws = hasMore ? raws.slice(0, query.limit) : raws;
    const rows = pageRaws.map((raw) => decodeRow(schema, raw));
    if (!hasMore) {
      return { rows };
    }
    const last = pageRaws[pageRaws.length - 1];
    const lastClustering = clustering.map(
      ({ column }) => last[schema.columnNames.indexOf(column)] as SqliteValue,
    );
    return { rows, pageState: encodePageState(schema.name, order, lastClustering) };
  }
}

const LIVE_CONDITION = `(${quote(EXPIRES_AT_COLUMN)} IS NULL OR ${quote(EXPIRES_AT_COLUMN)} > ?)`;
const RANGE_OPERATORS = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/**
 * Rows strictly after the cursor in the query's order: (c1 after v1) OR (c1 = v1 AND c2 after
 * v2) OR ..., which stays right when clustering columns run in different directions.
 */
function cursorCondition(
  columns: readonly string[],
  directions: readonly ('asc' | 'desc')[],
): string {
  const alternatives = columns.map((column, index) => {
    const equalities = columns.slice(0, index).map((previous) => `${quote(previous)} = ?`);
    const after = `${quote(column)} ${directions[index] === 'asc' ? '>' : '<'} ?`;
    return `(${[...equalities, after].join(' AND ')})`;
  });
  return `(${alternatives.join(' OR ')})`;
}

function cursorParameters(cursor: readonly SqliteValue[]): SqliteValue[] {
  return cursor.flatMap((_value, index) => cursor.slice(0, index + 1));
}

function quote(identifier: string): string {
  return `"${identifier}"`;
}

function pick(columns: readonly string[], row: Row): Row {
  return Object.fromEntries(columns.map((column) => [column, row[column]]));
}

function encodeColumns(schema: TableSchema, columns: readonly string[], row: Row): SqliteValue[] {
  return columns.map((column) => encodeSqliteValue(schema.typeOf(column), row[column]));
}

function decodeRow(schema: TableSchema, raw: readonly unknown[]): Row {
  const row: Record<string, StoreValue> = {};
  schema.columnNames.forEach((column, index) => {
    row[column] = decodeSqliteValue(schema.typeOf(column), raw[index]);
  });
  return row;
}

function keyIdentity(schema: TableSchema, key: Row): string {
  return JSON.stringify(
    encodeColumns(schema, schema.primaryKey, key).map((value) =>
      Buffer.isBuffer(value) ? `b:${value.toString('base64')}` : `${typeof value}:${String(value)}`,
    ),
  );
}

/** STRICT tables clustered on the primary key (WITHOUT ROWID), like a Cassandra partition. */
export function renderSqliteDdl(table: TableSchema['definition']): string[] {
  const keyColumns = new Set([
    ...table.partitionKey,
    ...(table.clusteringKey ?? []).map(({ column }) => column),
  ]);
  const columns = Object.entries(table.columns).map(
    ([column, type]) =>
      `${quote(column)} ${SQLITE_COLUMN_TYPES[type]}${keyColumns.has(column) ? ' NOT NULL' : ''}`,
  );
  const primaryKey = [
    ...table.partitionKey.map(quote),
    ...(table.clusteringKey ?? []).map(
      ({ column, order }) => `${quote(column)} ${order.toUpperCase()}`,
    ),
  ];
  return [
    `CREATE TABLE ${quote(table.name)} (${columns.join(', ')}, ${quote(EXPIRES_AT_COLUMN)} INTEGER, ` +
      `PRIMARY KEY (${primaryKey.join(', ')})) STRICT, WITHOUT ROWID`,
    // Partial index: only rows with a TTL pay for it, and the purge finds expired rows without a scan.
    `CREATE INDEX ${quote(`${table.name}__expires_at_ms`)} ON ${quote(table.name)} ` +
      `(${quote(EXPIRES_AT_COLUMN)}) WHERE ${quote(EXPIRES_AT_COLUMN)} IS NOT NULL`,
  ];
}
