import { invalidRequest, STORE_ERROR_CODES } from '../store-errors';
import type { ColumnType, JsonValue, Row, StoreValue, TableDefinition } from '../store.port';

/**
 * Identifiers must be valid unquoted in both CQL and SQLite and stay lower case, because quoted
 * CQL identifiers are case-sensitive. 48 characters is Cassandra's table name limit.
 */
const IDENTIFIER_PATTERN = /^[a-z][a-z0-9_]{0,47}$/;
/** Names the adapters keep for themselves (the migration log, SQLite's internal tables). */
const RESERVED_TABLE_NAMES = new Set(['schema_migrations']);
const RESERVED_TABLE_PREFIXES = ['sqlite_', 'system'];
const COLUMN_TYPES: ReadonlySet<ColumnType> = new Set([
  'text',
  'bigint',
  'int',
  'boolean',
  'timestamp',
  'blob',
  'json',
]);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
/** JSON values nest at most this deep; deeper input is refused rather than walked without bound. */
const JSON_DEPTH_MAX = 64;
/** Cassandra refuses TTLs above 20 years; both adapters share the limit. */
export const TTL_SECONDS_MAX = 630_720_000;

export interface ClusteringColumn {
  readonly column: string;
  readonly type: ColumnType;
  readonly order: 'asc' | 'desc';
}

/** A validated TableDefinition with the lookups the adapters need on every call. */
export class TableSchema {
  readonly name: string;
  readonly columnNames: readonly string[];
  readonly partitionKey: readonly string[];
  readonly clustering: readonly ClusteringColumn[];
  /** Partition key columns, then clustering columns: the primary key in declaration order. */
  readonly primaryKey: readonly string[];
  readonly regularColumns: readonly string[];
  private readonly types: ReadonlyMap<string, ColumnType>;
  private readonly keyColumns: ReadonlySet<string>;

  constructor(readonly definition: TableDefinition) {
    validateTableDefinition(definition);
    this.name = definition.name;
    this.types = new Map(Object.entries(definition.columns));
    this.columnNames = [...this.types.keys()];
    this.partitionKey = [...definition.partitionKey];
    this.clustering = (definition.clusteringKey ?? []).map(({ column, order }) => ({
      column,
      order,
      type: definition.columns[column],
    }));
    this.primaryKey = [...this.partitionKey, ...this.clustering.map(({ column }) => column)];
    this.keyColumns = new Set(this.primaryKey);
    this.regularColumns = this.columnNames.filter((column) => !this.keyColumns.has(column));
  }

  typeOf(column: string): ColumnType {
    const type = this.types.get(column);
    if (type === undefined) {
      throw invalidRequest(STORE_ERROR_CODES.row, `unknown column ${column} in ${this.name}`, {
        table: this.name,
        column,
      });
    }
    return type;
  }

  isKeyColumn(column: string): boolean {
    return this.keyColumns.has(column);
  }

  /** A whole row for an insert: every primary key column set, every value of its column's type. */
  checkFullRow(row: Row): void {
    this.checkColumnsAndValues(row);
    for (const column of this.primaryKey) {
      if (row[column] === undefined || row[column] === null) {
        throw this.rowError(`missing primary key column ${column}`, column);
      }
    }
  }

  /** Exactly the primary key columns, none null. */
  checkPrimaryKey(key: Row): void {
    this.checkExactColumns(key, this.primaryKey, 'primary key');
  }

  /** Exactly the partition key columns, none null. */
  checkPartitionKey(partition: Row): void {
    this.checkExactColumns(partition, this.partitionKey, 'partition key');
  }

  /** Regular (non-key) columns only: what `set` and `expected` may name. */
  checkRegularColumns(values: Row, what: 'set' | 'expected', allowEmpty: boolean): void {
    const columns = Object.keys(values);
    if (!allowEmpty && columns.length === 0) {
      throw this.rowError(`${what} names no column`);
    }
    this.checkColumnsAndValues(values);
    for (const column of columns) {
      if (this.keyColumns.has(column)) {
        throw this.rowError(`${what} may not name primary key column ${column}`, column);
      }
    }
  }

  checkValue(column: string, value: StoreValue | undefined): void {
    const type = this.typeOf(column);
    if (value === null) {
      return;
    }
    if (!isValueOfType(type, value)) {
      throw invalidRequest(
        STORE_ERROR_CODES.value,
        `value for ${this.name}.${column} is not a valid ${type}`,
        { table: this.name, column, type },
      );
    }
  }

  private checkColumnsAndValues(values: Row): void {
    // for...in rather than Object.entries: this runs for every row written, and allocates nothing.
    for (const column in values) {
      if (Object.hasOwn(values, column)) {
        this.checkValue(column, values[column]);
      }
    }
  }

  private checkExactColumns(values: Row, expected: readonly string[], what: string): void {
    const given = Object.keys(values);
    for (const column of expected) {
      if (values[column] === undefined || values[column] === null) {
        throw this.rowError(`${what} column ${column} is missing`, column);
      }
    }
    if (given.length !== expected.length) {
      const extra = given.find((column) => !expected.includes(column)) ?? '';
      throw this.rowError(`${what} has a column that is not part of it: ${extra}`, extra);
    }
    this.checkColumnsAndValues(values);
  }

  private rowError(message: string, column?: string): Error {
    return invalidRequest(
      STORE_ERROR_CODES.row,
      `${this.name}: ${message}`,
      column === undefined ? { table: this.name } : { table: this.name, column },
    );
  }
}

export function isValueOfType(type: ColumnType, value: unknown): boolean {
  switch (type) {
    case 'text':
      return typeof value === 'string';
    case 'bigint':
      return typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX;
    case 'int':
      return (
        Number.isInteger(value) && (value as number) >= INT32_MIN && (value as number) <= INT32_MAX
      );
    case 'boolean':
      return typeof value === 'boolean';
    case 'timestamp':
      return value instanceof Date && Number.isFinite(value.getTime());
    case 'blob':
      return value instanceof Uint8Array;
    case 'json':
      return isJsonValue(value, 0);
  }
}

function isJsonValue(value: unknown, depth: number): value is JsonValue {
  if (depth > JSON_DEPTH_MAX) {
    return false;
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') {
    return true;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value);
  }
  if (Array.isArray(value)) {
    return value.every((item) => isJsonValue(item, depth + 1));
  }
  if (typeof value === 'object') {
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) {
      return false;
    }
    return Object.values(value).every((item) => isJsonValue(item, depth + 1));
  }
  return false;
}

export function checkTtlSeconds(ttlSeconds: number | undefined): void {
  if (ttlSeconds === undefined) {
    return;
  }
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > TTL_SECONDS_MAX) {
    throw invalidRequest(
      STORE_ERROR_CODES.ttl,
      `ttlSeconds must be a whole number from 1 to ${TTL_SECONDS_MAX}`,
      { ttlSeconds: String(ttlSeconds) },
    );
  }
}

export function validateTableDefinition(definition: TableDefinition): void {
  const fail = (message: string): never => {
    throw invalidRequest(STORE_ERROR_CODES.schema, `table ${definition.name}: ${message}`, {
      table: String(definition.name),
    });
  };
  if (!IDENTIFIER_PATTERN.test(definition.name)) {
    fail('the name must match [a-z][a-z0-9_]{0,47}');
  }
  if (
    RESERVED_TABLE_NAMES.has(definition.name) ||
    RESERVED_TABLE_PREFIXES.some((prefix) => definition.name.startsWith(prefix))
  ) {
    fail('the name is reserved by the store');
  }
  const columns = Object.entries(definition.columns);
  if (columns.length === 0) {
    fail('it has no columns');
  }
  for (const [column, type] of columns) {
    if (!IDENTIFIER_PATTERN.test(column)) {
      fail(`column ${column} must match [a-z][a-z0-9_]{0,47}`);
    }
    if (!COLUMN_TYPES.has(type)) {
      fail(`column ${column} has unknown type ${String(type)}`);
    }
  }
  if (definition.partitionKey.length === 0) {
    fail('the partition key is empty');
  }
  const keyColumns = [
    ...definition.partitionKey,
    ...(definition.clusteringKey ?? []).map(({ column }) => column),
  ];
  const seen = new Set<string>();
  for (const column of keyColumns) {
    const type = definition.columns[column];
    if (type === undefined) {
      fail(`key column ${column} is not among the columns`);
    }
    if (type === 'json') {
      fail(`key column ${column} may not be json`);
    }
    if (seen.has(column)) {
      fail(`key column ${column} appears twice`);
    }
    seen.add(column);
  }
  for (const { column, order } of definition.clusteringKey ?? []) {
    if (order !== 'asc' && order !== 'desc') {
      fail(`clustering column ${column} has order ${String(order)}`);
    }
  }
}
