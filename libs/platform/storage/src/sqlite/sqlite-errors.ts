import { isPlatformError, PlatformError, type SafeParams } from '@corebank/platform-errors';
import Database from 'better-sqlite3';
import { invalidRequest, STORE_ERROR_CODES, storeTimeout, storeUnavailable } from '../store-errors';

/** Corruption does not heal by retrying; an operator has to restore the file. */
const NOT_RETRYABLE_FAILURES = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB']);

/**
 * Maps what better-sqlite3 throws to the store's PlatformError codes. A lock held by another
 * process for longer than busy_timeout is a timeout (retryable): the other writer will finish.
 */
export function mapSqliteError(error: unknown, operation: string, table?: string): Error {
  if (isPlatformError(error)) {
    return error;
  }
  const params: SafeParams = table === undefined ? { operation } : { operation, table };
  if (error instanceof Database.SqliteError) {
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
      return unavailableNotRetryable(
        `sqlite ${operation} failed: the file is damaged`,
        error,
        params,
      );
    }
    return storeUnavailable(`sqlite ${operation} failed`, error, { ...params, engineCode: code });
  }
  if (error instanceof RangeError || error instanceof TypeError) {
    return invalidRequest(STORE_ERROR_CODES.value, `sqlite could not bind a value`, params, error);
  }
  // Anything else is a bug in this adapter: let it surface unchanged.
  return error instanceof Error ? error : new Error(String(error));
}

function unavailableNotRetryable(
  message: string,
  cause: unknown,
  params: SafeParams,
): PlatformError {
  return new PlatformError(STORE_ERROR_CODES.unavailable, message, {
    retryable: false,
    params,
    cause,
  });
}
