import {
  Metadata,
  status as GrpcStatus,
  type ServerErrorResponse,
  type ServiceError,
} from '@grpc/grpc-js';

import {
  isPlatformError,
  PlatformError,
  type PlatformErrorCategory,
  type SafeParams,
} from '@corebank/platform-errors';

/**
 * The one place where PlatformError and gRPC status meet (STYLE §6). The server turns a thrown
 * error into a status plus three trailer keys; the client turns them back into a PlatformError
 * with the same code, message, params and retryable flag. Causes and stacks never leave the
 * process: an error that is not a PlatformError goes out as INTERNAL with a generic message.
 */

export const ERROR_CODE_METADATA_KEY = 'corebank-error-code';
export const ERROR_RETRYABLE_METADATA_KEY = 'corebank-error-retryable';
/**
 * A binary (`-bin`) key: params are UTF-8 JSON, and ASCII metadata values cannot carry
 * non-ASCII text (a merchant's name) safely; grpc-js base64-encodes binary values on the wire.
 */
export const ERROR_PARAMS_METADATA_KEY = 'corebank-error-params-bin';

const STATUS_BY_CATEGORY: Readonly<Record<PlatformErrorCategory, GrpcStatus>> = {
  timeout: GrpcStatus.DEADLINE_EXCEEDED,
  unavailable: GrpcStatus.UNAVAILABLE,
  conflict: GrpcStatus.ABORTED,
  invalid: GrpcStatus.INVALID_ARGUMENT,
  not_found: GrpcStatus.NOT_FOUND,
  permission: GrpcStatus.PERMISSION_DENIED,
  unauthenticated: GrpcStatus.UNAUTHENTICATED,
  exhausted: GrpcStatus.RESOURCE_EXHAUSTED,
  internal: GrpcStatus.INTERNAL,
};

const CATEGORIES = new Set<string>(Object.keys(STATUS_BY_CATEGORY));
/** `<category>.<detail>` with a lower-case detail; anything else from the wire is not trusted. */
const ERROR_CODE_PATTERN = /^([a-z_]+)\.[a-z0-9_.]{1,100}$/;
const PARAMS_JSON_LENGTH_MAX = 4096;

/** The message sent for errors that are not PlatformErrors: their text may hold anything. */
export const GENERIC_INTERNAL_MESSAGE = 'internal error';

/** Code of the errors raised when the caller itself cancelled a call (hedge loser, upstream abort). */
export const CALL_CANCELLED_CODE = 'unavailable.call_cancelled';

export function grpcStatusForCategory(category: PlatformErrorCategory): GrpcStatus {
  return STATUS_BY_CATEGORY[category];
}

/** Server side: what goes on the wire for an error a handler threw. */
export function toServerErrorResponse(error: unknown): ServerErrorResponse {
  const platformError = wireSafe(error);
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_METADATA_KEY, platformError.code);
  metadata.set(ERROR_RETRYABLE_METADATA_KEY, platformError.retryable ? 'true' : 'false');
  const params = platformError.params;
  if (Object.keys(params).length > 0) {
    metadata.set(ERROR_PARAMS_METADATA_KEY, Buffer.from(JSON.stringify(params), 'utf8'));
  }
  // A plain object, not an Error: grpc-js only reads code/details/metadata, and no stack is built.
  return {
    name: 'RpcStatus',
    message: platformError.message,
    code: STATUS_BY_CATEGORY[platformError.category],
    details: platformError.message,
    metadata,
  };
}

/**
 * The error as it may be sent. A code that does not follow `<category>.<lower_snake>` could not
 * be trusted by the client (and a non-ASCII one would make grpc-js refuse the whole response,
 * leaving the caller to time out), so it keeps its category, message and flag under
 * `<category>.unspecified`; an unknown category, or anything not a PlatformError, is internal.
 */
function wireSafe(error: unknown): PlatformError {
  if (!isPlatformError(error) || !CATEGORIES.has(error.category)) {
    return new PlatformError('internal.unexpected', GENERIC_INTERNAL_MESSAGE, { retryable: false });
  }
  if (ERROR_CODE_PATTERN.test(error.code)) {
    return error;
  }
  return new PlatformError(`${error.category}.unspecified`, error.message, {
    retryable: error.retryable,
    params: error.params,
  });
}

/**
 * Client side: the PlatformError for a failed call. Errors our servers sent keep their code,
 * message, params and retryable flag; statuses produced by gRPC itself (connection refused,
 * deadline, unimplemented) get a code of their own. Only UNAVAILABLE without a server code is
 * retryable: the request may never have reached a handler.
 */
export function platformErrorFromServiceError(error: ServiceError): PlatformError {
  const wireCode = firstString(error.metadata, ERROR_CODE_METADATA_KEY);
  const match = wireCode === undefined ? null : ERROR_CODE_PATTERN.exec(wireCode);
  if (wireCode !== undefined && match !== null && CATEGORIES.has(match[1])) {
    return new PlatformError(wireCode as PlatformError['code'], error.details, {
      retryable: firstString(error.metadata, ERROR_RETRYABLE_METADATA_KEY) === 'true',
      params: parseParams(firstBuffer(error.metadata, ERROR_PARAMS_METADATA_KEY)?.toString('utf8')),
      cause: error,
    });
  }
  return transportError(error);
}

function transportError(error: ServiceError): PlatformError {
  const statusName = GrpcStatus[error.code] ?? String(error.code);
  const params = { grpcStatus: statusName };
  switch (error.code) {
    case GrpcStatus.DEADLINE_EXCEEDED:
      return new PlatformError('timeout.deadline_exceeded', 'the call deadline passed', {
        retryable: false,
        params,
        cause: error,
      });
    case GrpcStatus.UNAVAILABLE:
      return new PlatformError('unavailable.rpc_unreachable', 'the service is unreachable', {
        retryable: true,
        params,
        cause: error,
      });
    case GrpcStatus.CANCELLED:
      return new PlatformError(CALL_CANCELLED_CODE, 'the call was cancelled', {
        retryable: false,
        params,
        cause: error,
      });
    case GrpcStatus.RESOURCE_EXHAUSTED:
      return new PlatformError('exhausted.rpc_resource_exhausted', 'a gRPC limit was exceeded', {
        retryable: false,
        params,
        cause: error,
      });
    case GrpcStatus.UNIMPLEMENTED:
      return new PlatformError('internal.rpc_unimplemented', 'the method is not implemented', {
        retryable: false,
        params,
        cause: error,
      });
    case GrpcStatus.UNAUTHENTICATED:
      return new PlatformError('unauthenticated.rpc_rejected', 'the call was not authenticated', {
        retryable: false,
        params,
        cause: error,
      });
    case GrpcStatus.PERMISSION_DENIED:
      return new PlatformError('permission.rpc_rejected', 'the call was not permitted', {
        retryable: false,
        params,
        cause: error,
      });
    case GrpcStatus.OK:
    case GrpcStatus.UNKNOWN:
    case GrpcStatus.INTERNAL:
    case GrpcStatus.INVALID_ARGUMENT:
    case GrpcStatus.NOT_FOUND:
    case GrpcStatus.ALREADY_EXISTS:
    case GrpcStatus.FAILED_PRECONDITION:
    case GrpcStatus.ABORTED:
    case GrpcStatus.OUT_OF_RANGE:
    case GrpcStatus.DATA_LOSS:
      // Without our error code these came from a proxy or from gRPC itself, not from a handler
      // that decided them, so nothing more specific can be said.
      return new PlatformError('internal.rpc_failed', 'the call failed', {
        retryable: false,
        params,
        cause: error,
      });
  }
}

function firstString(metadata: Metadata | undefined, key: string): string | undefined {
  const value = metadata?.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}

function firstBuffer(metadata: Metadata | undefined, key: string): Buffer | undefined {
  const value = metadata?.get(key)[0];
  return Buffer.isBuffer(value) ? value : undefined;
}

function parseParams(json: string | undefined): SafeParams {
  if (json === undefined || json.length > PARAMS_JSON_LENGTH_MAX) {
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return {};
  }
  const params: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      params[key] = value;
    }
  }
  return params;
}
