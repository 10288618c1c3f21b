import { invalidRequest, STORE_ERROR_CODES } from '../store-errors';
import type { ColumnType, JsonValue, StoreValue } from '../store.port';

/** What better-sqlite3 binds and (with safe integers on) returns. */
export type SqliteValue = null | bigint | number | string | Buffer;

/** How each column type is declared in a STRICT table. */
export const SQLITE_COLUMN_TYPES: Readonly<Record<ColumnType, 'INTEGER' | 'TEXT' | 'BLOB'>> = {
  text: 'TEXT',
  bigint: 'INTEGER',
  int: 'INTEGER',
  boolean: 'INTEGER',
  timestamp: 'INTEGER',
  blob: 'BLOB',
  json: 'TEXT',
};

/** Encodes a value already checked against its column type (TableSchema.checkValue). */
export function encodeSqliteValue(type: ColumnType, value: StoreValue): SqliteValue {
  if (value === null) {
    return null;
  }
  switch (type) {
    case 'text':
    case 'bigint':
    case 'int':
      return value as string | bigint | number;
    case 'boolean':
      return value === true ? 1 : 0;
    case 'timestamp':
      return (value as Date).getTime();
    case 'blob': {
      const bytes = value as Uint8Array;
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    case 'json':
      return JSON.stringify(value);
  }
}

/**
 * Decodes what SQLite returns. The database is opened with safe integers, so every INTEGER comes
 * back as a bigint and a bigint column keeps all 64 bits (a JS number would lose them past 2^53).
 */
export function decodeSqliteValue(type: ColumnType, raw: unknown): StoreValue {
  if (raw === null || raw === undefined) {
    return null;
  }
  switch (type) {
    case 'text':
      return raw as string;
    case 'bigint':
      return raw as bigint;
    case 'int':
      return Number(raw);
    case 'boolean':
      return (raw as bigint) !== 0n;
    case 'timestamp':
      return new Date(Number(raw));
    case 'blob': {
      const buffer = raw as Buffer;
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    }
    case 'json':
      return JSON.parse(raw as string) as JsonValue;
  }
}

/**
 * Compares a stored (raw) value with the caller's expected value the way Cassandra's `IF col = ?`
 * does: json compares as its text, blobs byte by byte, a null expectation matches an unset cell.
 */
export function storedValueEquals(type: ColumnType, raw: unknown, expected: StoreValue): boolean {
  const encoded = encodeSqliteValue(type, expected);
  if (raw === null || raw === undefined || encoded === null) {
    return (raw === null || raw === undefined) && encoded === null;
  }
  if (Buffer.isBuffer(raw) && Buffer.isBuffer(encoded)) {
    return raw.equals(encoded);
  }
  if (typeof raw === 'bigint') {
    return typeof encoded === 'bigint' || typeof encoded === 'number'
      ? raw === BigInt(encoded)
      : false;
  }
  return raw === encoded;
}

interface CursorEnvelope {
  readonly table: string;
  readonly order: 'asc' | 'desc';
  /** INTEGER columns as decimal strings (all 64 bits), blobs as base64, text as is. */
  readonly after: readonly string[];
}

/**
 * A page state is the clustering key of the last row returned, bound to the table and order it
 * came from so that it cannot be replayed against another query shape by mistake.
 */
export function encodePageState(
  table: string,
  order: 'asc' | 'desc',
  values: readonly SqliteValue[],
): string {
  const after = values.map((value) => {
    if (Buffer.isBuffer(value)) {
      return value.toString('base64');
    }
    return String(value);
  });
  const envelope: CursorEnvelope = { table, order, after };
  return Buffer.from(JSON.stringify(envelope)).toString('base64url');
}

export function decodePageState(
  pageState: string,
  table: string,
  order: 'asc' | 'desc',
  types: readonly ColumnType[],
): SqliteValue[] {
  const invalid = (): Error =>
    invalidRequest(STORE_ERROR_CODES.pageState, 'page state does not belong to this query', {
      table,
    });
  let envelope: CursorEnvelope;
  try {
    envelope = JSON.parse(Buffer.from(pageState, 'base64url').toString('utf8')) as CursorEnvelope;
  } catch {
    throw invalid();
  }
  if (
    typeof envelope !== 'object' ||
    envelope === null ||
    envelope.table !== table ||
    envelope.order !== order ||
    !Array.isArray(envelope.after) ||
    envelope.after.length !== types.length ||
    !envelope.after.every((value) => typeof value === 'string')
  ) {
    throw invalid();
  }
  return envelope.after.map((value, index) => {
    switch (SQLITE_COLUMN_TYPES[types[index]]) {
      case 'INTEGER':
        if (!/^-?[0-9]{1,19}$/.test(value)) {
          throw invalid();
        }
        return BigInt(value);
      case 'BLOB':
        return Buffer.from(value, 'base64');
      case 'TEXT':
        return value;
    }
  });
}
