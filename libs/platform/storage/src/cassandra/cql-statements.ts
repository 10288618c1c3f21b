import { checkTtlSeconds, type TableSchema } from '../schema/table-schema';
import { invalidRequest, STORE_ERROR_CODES } from '../store-errors';
import type { ColumnType, JsonValue, RangeQuery, Row, StoreValue } from '../store.port';
import { quoteCql } from './render-cql';

/** A CQL text with its bind values, in marker order. */
export interface BoundStatement {
  readonly query: string;
  readonly params: unknown[];
}

const RANGE_OPERATORS = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
/** Distinct statement texts remembered; beyond it texts are rendered again (cheap), never dropped. */
const QUERY_TEXTS_MAX = 10_000;

/**
 * Renders the CQL of every Store operation for one keyspace. Texts depend only on the shape of a
 * call (table, columns written, TTL or not), so each shape renders once and is prepared once by
 * the driver; values always travel as bind markers, never inside the text.
 */
export class CqlStatements {
  private readonly texts = new Map<string, string>();
  private readonly keyspace: string;

  constructor(keyspace: string) {
    this.keyspace = quoteCql(keyspace);
  }

  select(schema: TableSchema, key: Row): BoundStatement {
    const query = this.text(
      `select|${schema.name}`,
      () =>
        `SELECT ${schema.columnNames.map(quoteCql).join(', ')} FROM ${this.tableName(schema)} ` +
        `WHERE ${equalities(schema.primaryKey)}`,
    );
    return { query, params: encodeColumns(schema, schema.primaryKey, key) };
  }

  /** INSERT writes only the given columns; `ifNotExists` makes it a lightweight transaction. */
  insert(
    schema: TableSchema,
    row: Row,
    ttlSeconds: number | undefined,
    ifNotExists: boolean,
  ): BoundStatement {
    checkTtlSeconds(ttlSeconds);
    const written = schema.columnNames.filter((column) => row[column] !== undefined);
    const query = this.text(
      `insert|${schema.name}|${written.join(',')}|${ifNotExists}|${ttlSeconds !== undefined}`,
      () =>
        `INSERT INTO ${this.tableName(schema)} (${written.map(quoteCql).join(', ')}) ` +
        `VALUES (${written.map(() => '?').join(', ')})` +
        (ifNotExists ? ' IF NOT EXISTS' : '') +
        (ttlSeconds === undefined ? '' : ' USING TTL ?'),
    );
    const params = encodeColumns(schema, written, row);
    return { query, params: ttlSeconds === undefined ? params : [...params, ttlSeconds] };
  }

  /**
   * UPDATE of the `set` columns. With `expected` it is a lightweight transaction: `IF col = ?`
   * for each expected column, or `IF EXISTS` when none is given.
   */
  update(
    schema: TableSchema,
    key: Row,
    set: Row,
    ttlSeconds: number | undefined,
    expected?: Row,
  ): BoundStatement {
    checkTtlSeconds(ttlSeconds);
    const columns = Object.keys(set);
    const conditions = expected === undefined ? undefined : Object.keys(expected);
    const query = this.text(
      `update|${schema.name}|${columns.join(',')}|${ttlSeconds !== undefined}|${conditions?.join(',') ?? '-'}`,
      () => {
        let condition = '';
        if (conditions !== undefined) {
          condition =
            conditions.length === 0
              ? ' IF EXISTS'
              : ` IF ${conditions.map((column) => `${quoteCql(column)} = ?`).join(' AND ')}`;
        }
        return (
          `UPDATE ${this.tableName(schema)}${ttlSeconds === undefined ? '' : ' USING TTL ?'} ` +
          `SET ${columns.map((column) => `${quoteCql(column)} = ?`).join(', ')} ` +
          `WHERE ${equalities(schema.primaryKey)}${condition}`
        );
      },
    );
    return {
      query,
      params: [
        ...(ttlSeconds === undefined ? [] : [ttlSeconds]),
        ...encodeColumns(schema, columns, set),
        ...encodeColumns(schema, schema.primaryKey, key),
        ...(expected === undefined || conditions === undefined
          ? []
          : encodeColumns(schema, conditions, expected)),
      ],
    };
  }

  delete(schema: TableSchema, key: Row): BoundStatement {
    const query = this.text(
      `delete|${schema.name}`,
      () => `DELETE FROM ${this.tableName(schema)} WHERE ${equalities(schema.primaryKey)}`,
    );
    return { query, params: encodeColumns(schema, schema.primaryKey, key) };
  }

  /**
   * A slice of one partition: bounds on the first clustering column, ordered by it (`order`)
   * with the other clustering columns following in their declared direction, or all reversed.
   * Throws `invalid.store_query` for a bound on a table without clustering columns.
   */
  range(
    schema: TableSchema,
    query: Pick<RangeQuery, 'partition' | 'range'>,
    order: 'asc' | 'desc',
  ): BoundStatement {
    const first = schema.clustering[0];
    const range = query.range ?? {};
    const bounds = (['gt', 'gte', 'lt', 'lte'] as const).filter(
      (bound) => range[bound] !== undefined,
    );
    if (bounds.length > 0 && first === undefined) {
      throw invalidRequest(STORE_ERROR_CODES.query, `${schema.name} has no clustering column`, {
        table: schema.name,
      });
    }
    for (const bound of bounds) {
      if (range[bound] === null) {
        throw invalidRequest(STORE_ERROR_CODES.query, 'a range bound may not be null', {
          table: schema.name,
        });
      }
      schema.checkValue(first.column, range[bound]);
    }
    const reversed = first !== undefined && order !== first.order;
    const text = this.text(`range|${schema.name}|${order}|${bounds.join(',')}`, () => {
      const conditions = [
        equalities(schema.partitionKey),
        ...bounds.map((bound) => `${quoteCql(first.column)} ${RANGE_OPERATORS[bound]} ?`),
      ];
      const ordering = schema.clustering.map(({ column, order: declared }) => {
        const direction = reversed ? (declared === 'asc' ? 'desc' : 'asc') : declared;
        return `${quoteCql(column)} ${direction.toUpperCase()}`;
      });
      return (
        `SELECT ${schema.columnNames.map(quoteCql).join(', ')} FROM ${this.tableName(schema)} ` +
        `WHERE ${conditions.join(' AND ')}` +
        (ordering.length === 0 ? '' : ` ORDER BY ${ordering.join(', ')}`)
      );
    });
    return {
      query: text,
      params: [
        ...encodeColumns(schema, schema.partitionKey, query.partition),
        ...bounds.map((bound) => encodeCqlValue(first.type, range[bound])),
      ],
    };
  }

  private tableName(schema: TableSchema): string {
    return `${this.keyspace}.${quoteCql(schema.name)}`;
  }

  private text(shape: string, render: () => string): string {
    const found = this.texts.get(shape);
    if (found !== undefined) {
      return found;
    }
    const text = render();
    if (this.texts.size < QUERY_TEXTS_MAX) {
      this.texts.set(shape, text);
    }
    return text;
  }
}

function equalities(columns: readonly string[]): string {
  return columns.map((column) => `${quoteCql(column)} = ?`).join(' AND ');
}

/** Values as cassandra-driver binds them (with `useBigIntAsLong`, a bigint binds as CQL bigint). */
export function encodeCqlValue(type: ColumnType, value: StoreValue | undefined): unknown {
  if (value === null || value === undefined) {
    return value;
  }
  switch (type) {
    case 'blob': {
      const bytes = value as Uint8Array;
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    case 'json':
      return JSON.stringify(value);
    case 'text':
    case 'bigint':
    case 'int':
    case 'boolean':
    case 'timestamp':
      return value;
  }
}

export function encodeColumns(
  schema: TableSchema,
  columns: readonly string[],
  row: Row,
): unknown[] {
  return columns.map((column) => encodeCqlValue(schema.typeOf(column), row[column]));
}

/** What the driver returns, as the port's types (blob as a plain Uint8Array, json parsed). */
export function decodeCqlValue(type: ColumnType, raw: unknown): StoreValue {
  if (raw === null || raw === undefined) {
    return null;
  }
  switch (type) {
    case 'blob': {
      const buffer = raw as Buffer;
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    }
    case 'json':
      return JSON.parse(raw as string) as JsonValue;
    case 'text':
    case 'bigint':
    case 'int':
    case 'boolean':
    case 'timestamp':
      return raw as StoreValue;
  }
}
