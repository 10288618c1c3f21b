import { isPlatformError, type SafeParams } from '@corebank/platform-errors';
import { errors, types } from 'cassandra-driver';
import { invalidRequest, STORE_ERROR_CODES, storeTimeout, storeUnavailable } from '../store-errors';

const codes = types.responseErrorCodes;
const TIMEOUT_CODES: ReadonlySet<number> = new Set([codes.writeTimeout, codes.readTimeout]);
const UNAVAILABLE_CODES: ReadonlySet<number> = new Set([
  codes.serverError,
  codes.unavailableException,
  codes.overloaded,
  codes.isBootstrapping,
  codes.truncateError,
  codes.readFailure,
  codes.writeFailure,
  codes.unprepared,
  codes.protocolError,
]);

/**
 * Maps cassandra-driver errors to the store's PlatformError codes. Timeouts (the coordinator's,
 * or the driver's own when no answer came) are retryable but leave a write's outcome unknown;
 * a lightweight transaction that timed out may still have been applied.
 */
export function mapCassandraError(error: unknown, operation: string, table?: string): Error {
  if (isPlatformError(error)) {
    return error;
  }
  const params: SafeParams = table === undefined ? { operation } : { operation, table };
  if (error instanceof errors.OperationTimedOutError) {
    return storeTimeout(`cassandra ${operation} got no answer in time`, error, params);
  }
  if (error instanceof errors.NoHostAvailableError || error instanceof errors.BusyConnectionError) {
    return storeUnavailable(`cassandra ${operation}: no host could serve it`, error, params);
  }
  if (error instanceof errors.ResponseError) {
    const withCode = { ...params, engineCode: error.code };
    if (TIMEOUT_CODES.has(error.code)) {
      return storeTimeout(`cassandra ${operation} timed out on the coordinator`, error, withCode);
    }
    if (UNAVAILABLE_CODES.has(error.code)) {
      return storeUnavailable(`cassandra ${operation} failed on the cluster`, error, withCode);
    }
    return invalidRequest(
      STORE_ERROR_CODES.query,
      `cassandra refused the ${operation}`,
      withCode,
      error,
    );
  }
  if (error instanceof errors.AuthenticationError) {
    return storeUnavailable(`cassandra ${operation}: authentication failed`, error, params, false);
  }
  if (error instanceof errors.ArgumentError || error instanceof TypeError) {
    return invalidRequest(
      STORE_ERROR_CODES.value,
      `cassandra could not encode a value`,
      params,
      error,
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}
