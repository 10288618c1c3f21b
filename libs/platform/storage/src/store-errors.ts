import { PlatformError, type SafeParams } from '@corebank/platform-errors';

/**
 * The error codes every Store adapter throws. Callers branch on `code` and `retryable`; the
 * engine's own error stays in `cause` (logs only, never on the wire).
 */
export const STORE_ERROR_CODES = {
  unavailable: 'unavailable.store',
  timeout: 'timeout.store',
  closed: 'unavailable.store_closed',
  unknownTable: 'invalid.store_unknown_table',
  row: 'invalid.store_row',
  value: 'invalid.store_value',
  query: 'invalid.store_query',
  pageState: 'invalid.store_page_state',
  schema: 'invalid.store_schema',
  migrationChanged: 'invalid.store_migration_changed',
  ttl: 'invalid.store_ttl',
  requestTooLarge: 'invalid.store_request_too_large',
} as const;

/**
 * The engine cannot serve (down, overloaded, disk trouble). Retryable unless retrying cannot
 * help without an operator (a damaged file, refused credentials).
 */
export function storeUnavailable(
  message: string,
  cause: unknown,
  params?: SafeParams,
  retryable = true,
): PlatformError {
  return new PlatformError(STORE_ERROR_CODES.unavailable, message, { retryable, params, cause });
}

/**
 * The engine did not answer in time. For a write the outcome is unknown: it may have applied, so a
 * retry must be idempotent (conditional writes re-read before trusting a second `applied: false`).
 */
export function storeTimeout(message: string, cause: unknown, params?: SafeParams): PlatformError {
  return new PlatformError(STORE_ERROR_CODES.timeout, message, { retryable: true, params, cause });
}

export function storeClosed(): PlatformError {
  return new PlatformError(STORE_ERROR_CODES.closed, 'the store was closed', { retryable: false });
}

/** Caller mistakes: retrying the same request cannot succeed. */
export function invalidRequest(
  code: Exclude<
    (typeof STORE_ERROR_CODES)[keyof typeof STORE_ERROR_CODES],
    'unavailable.store' | 'timeout.store' | 'unavailable.store_closed'
  >,
  message: string,
  params?: SafeParams,
  cause?: unknown,
): PlatformError {
  return new PlatformError(code, message, { retryable: false, params, cause });
}
