import { isPlatformError, type SafeParams } from '@corebank/platform-errors';
import { invalidRequest, STORE_ERROR_CODES, storeTimeout, storeUnavailable } from '../store-errors';

/** Corruption does not heal by retrying; an operator has to restore the file. */
const NOT_RETRYABLE_FAILURES = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB']);

/**
 * Recognises better-sqlite3's SqliteError by shape, not `instanceof`: the native addon keeps the
 * error class (and the realm's Error) of whichever copy of the module loaded it first; jest, for
 * one, gives every test file its own realm in one process, so `instanceof` can miss.
 */
export function isSqliteError(error: unknown): error is Error & { code: string } {
  if (typeof error !== 'object' || error === null) {
    return false;
  }
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'SqliteError' && typeof code === 'string' && code.startsWith('SQLITE_');
}

/**
 * Maps what better-sqlite3 throws to the store's PlatformError codes. A lock held by another
 * process for longer than busy_timeout is a timeout (retryable): the other writer will finish.
 */
export function mapSqliteError(error: unknown, operation: string, table?: string): Error {
  if (isPlatformError(error)) {
    return error;
  }
  const params: SafeParams = table === undefined ? { operation } : { operation, table };
  if (isSqliteError(error)) {
    const code = error.code;
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      return storeTimeout(`sqlite ${operation} waited too long for a lock`, error, params);
    }
    if (
      code.startsWith('SQLITE_CONSTRAINT') ||
      code === 'SQLITE_MISMATCH' ||
      code === 'SQLITE_TOOBIG' ||
      code === 'SQLITE_RANGE'
    ) {
      return invalidRequest(
        STORE_ERROR_CODES.row,
        `sqlite refused the ${operation}`,
        params,
        error,
      );
    }
    if (NOT_RETRYABLE_FAILURES.has(code.split('_').slice(0, 2).join('_'))) {
      return storeUnavailable(
        `sqlite ${operation} failed: the file is damaged`,
        error,
        params,
        false,
      );
    }
    return storeUnavailable(`sqlite ${operation} failed`, error, { ...params, engineCode: code });
  }
  const name =
    typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : '';
  // better-sqlite3 throws these for values it cannot bind (checked by name: see isSqliteError).
  if (name === 'RangeError' || name === 'TypeError') {
    return invalidRequest(STORE_ERROR_CODES.value, `sqlite could not bind a value`, params, error);
  }
  // Anything else is a bug in this adapter: let it surface unchanged.
  return error instanceof Error ? error : new Error(String(error));
}
