/**
 * Operational failures (STYLE §6, kind 2): timeouts, unavailable dependencies, lost locks.
 * Business outcomes are returned as discriminated unions instead; broken invariants use `assert`.
 *
 * `code` is `<category>.<detail>`; the category decides the wire mapping (gRPC status, SOAP fault)
 * in exactly one transport filter. Only `code`, `message` and `params` may cross the wire.
 */
export type PlatformErrorCategory =
  | 'timeout'
  | 'unavailable'
  | 'conflict'
  | 'invalid'
  | 'not_found'
  | 'permission'
  | 'unauthenticated'
  | 'exhausted'
  | 'internal';

export type SafeParams = Readonly<Record<string, string | number | boolean>>;

export class PlatformError extends Error {
  readonly category: PlatformErrorCategory;

  constructor(
    readonly code: `${PlatformErrorCategory}.${string}`,
    message: string,
    readonly options: { retryable: boolean; params?: SafeParams; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = 'PlatformError';
    this.category = code.slice(0, code.indexOf('.')) as PlatformErrorCategory;
  }

  get retryable(): boolean {
    return this.options.retryable;
  }

  get params(): SafeParams {
    return this.options.params ?? {};
  }
}

export function isPlatformError(error: unknown): error is PlatformError {
  return error instanceof PlatformError;
}
