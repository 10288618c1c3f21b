/**
 * The store port, shaped the way Cassandra works so the embedded adapter cannot promise more than
 * Cassandra delivers: rows live in partitions (partition key) ordered by clustering columns;
 * reads are by full primary key or a clustering range inside one partition; conditional writes
 * (`insertIfNotExists`, `updateIf`) are lightweight transactions on a single row, and
 * `conditionalWrites` sends many of them at once without making them atomic together; `batch` is
 * a logged batch: all its writes apply or none do, but it carries no condition.
 */
export type ColumnType = 'text' | 'bigint' | 'int' | 'boolean' | 'timestamp' | 'blob' | 'json';

export type JsonValue =
  string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** text → string, bigint → bigint, int → number, boolean, timestamp → Date, blob → Uint8Array, json → JsonValue. */
export type StoreValue = bigint | Date | Uint8Array | JsonValue;
export type Row = Readonly<Record<string, StoreValue>>;

export interface TableDefinition {
  readonly name: string;
  readonly columns: Readonly<Record<string, ColumnType>>;
  readonly partitionKey: readonly string[];
  readonly clusteringKey?: readonly { readonly column: string; readonly order: 'asc' | 'desc' }[];
}

/** Migrations are applied once each, in order, and recorded by id. */
export interface Migration {
  readonly id: string;
  readonly description: string;
  readonly createTables: readonly TableDefinition[];
}

export interface WriteOptions {
  /**
   * The row (or the written columns) disappears this many seconds after the write. A whole number
   * from 1 to 630720000 (Cassandra's limit), else `invalid.store_ttl`. Cassandra expires the
   * written cells, SQLite the whole row; they agree when a row is written whole with one TTL.
   */
  readonly ttlSeconds?: number;
}

export type WriteStatement =
  | {
      readonly kind: 'upsert';
      readonly table: string;
      readonly row: Row;
      readonly ttlSeconds?: number;
    }
  | {
      readonly kind: 'update';
      readonly table: string;
      readonly key: Row;
      readonly set: Row;
      readonly ttlSeconds?: number;
    }
  | { readonly kind: 'delete'; readonly table: string; readonly key: Row };

/** Outcome of a lightweight transaction. When not applied, `current` is the row as it stands. */
export interface ConditionalResult {
  readonly applied: boolean;
  readonly current?: Row;
}

/**
 * One single-row conditional write of a `conditionalWrites` call: `insertIfNotExists` or
 * `updateIf`, with the same arguments and meaning as the methods of those names.
 */
export type ConditionalStatement =
  | {
      readonly kind: 'insertIfNotExists';
      readonly table: string;
      readonly row: Row;
      readonly ttlSeconds?: number;
    }
  | {
      readonly kind: 'updateIf';
      readonly table: string;
      readonly key: Row;
      readonly set: Row;
      readonly expected: Row;
      readonly ttlSeconds?: number;
    };

export interface RangeQuery {
  readonly table: string;
  /** A value for every partition key column. */
  readonly partition: Row;
  /** Bounds on the first clustering column. */
  readonly range?: {
    readonly gt?: StoreValue;
    readonly gte?: StoreValue;
    readonly lt?: StoreValue;
    readonly lte?: StoreValue;
  };
  /** Defaults to the table's clustering order. */
  readonly order?: 'asc' | 'desc';
  readonly limit: number;
  /** Opaque token from the previous page. */
  readonly pageState?: string;
}

export interface Page {
  readonly rows: readonly Row[];
  /** Present when more rows may follow. */
  readonly pageState?: string;
}

/**
 * Errors: every method may throw PlatformError `unavailable.store` (retryable) or
 * `timeout.store` (retryable); malformed rows or unknown tables throw `invalid.store_*`.
 * In detail (none of the `invalid.*` are retryable): `invalid.store_unknown_table`,
 * `invalid.store_row` (missing or extra key columns, unknown columns), `invalid.store_value`
 * (a value not of its column's type), `invalid.store_query`, `invalid.store_page_state`,
 * `invalid.store_ttl`, `invalid.store_request_too_large` (getMany/batch/conditionalWrites over
 * their bounds),
 * `invalid.store_schema` and `invalid.store_migration_changed` (migrate), and
 * `unavailable.store_closed` after `close()`. A write that ends in `timeout.store` may have been
 * applied: retry it idempotently. Reads return every column; cells never written are `null`.
 */
export interface Store {
  migrate(migrations: readonly Migration[]): Promise<void>;
  get(table: string, key: Row): Promise<Row | undefined>;
  /** Rows for many primary keys; missing ones are absent from the result (order not kept). */
  getMany(table: string, keys: readonly Row[]): Promise<readonly Row[]>;
  upsert(table: string, row: Row, options?: WriteOptions): Promise<void>;
  insertIfNotExists(table: string, row: Row, options?: WriteOptions): Promise<ConditionalResult>;
  /** Compare-and-set: applies `set` only when every column in `expected` equals the stored value. */
  updateIf(
    table: string,
    key: Row,
    set: Row,
    expected: Row,
    options?: WriteOptions,
  ): Promise<ConditionalResult>;
  /**
   * Many independent conditional writes in one call, one result each, in the order given. They
   * are NOT atomic together: each applies or not on its own, exactly as if it had been sent
   * alone, and other clients may see some applied before others. Cassandra runs them as separate
   * lightweight transactions (concurrently, bounded); SQLite runs them in order inside one write
   * transaction (one lock, one commit). Every statement is checked before any is sent, so an
   * invalid one fails the call before anything is written. Each must name a different row
   * (`invalid.store_row` otherwise: concurrent writes to one row have no defined order). If the
   * call throws an engine error (`timeout.store`, `unavailable.store`), any subset of the writes
   * may have applied: re-read, or retry idempotently. Over the adapter's bound:
   * `invalid.store_request_too_large`.
   */
  conditionalWrites(
    statements: readonly ConditionalStatement[],
  ): Promise<readonly ConditionalResult[]>;
  delete(table: string, key: Row): Promise<void>;
  query(query: RangeQuery): Promise<Page>;
  /** A logged batch: all writes apply or none do. */
  batch(statements: readonly WriteStatement[]): Promise<void>;
  /** Touches the engine; used by readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const STORE = Symbol('STORE');
