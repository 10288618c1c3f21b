import { PlatformError } from '@corebank/platform-errors';

import type { IdGenerator } from './id-generator.port';
import { isSnowflake } from './snowflake';

declare const snowflakeKind: unique symbol;

/**
 * A snowflake id (decimal string) tagged with what it identifies, so an `AuthorizationId` cannot
 * be passed where a `TransferId` is expected. The tag exists only at compile time.
 */
export type SnowflakeId<Kind extends string> = string & { readonly [snowflakeKind]: Kind };

export interface SnowflakeIdType<Kind extends string> {
  readonly kind: Kind;
  /** True when `value` is a canonical decimal snowflake. */
  is(value: unknown): value is SnowflakeId<Kind>;
  /**
   * Checks untrusted input (a wire field) and brands it.
   *
   * @throws PlatformError `invalid.snowflake_id` (not retryable), with `params.kind`.
   */
  parse(value: string): SnowflakeId<Kind>;
  /** A new id of this kind. Throws what `IdGenerator.nextId` throws. */
  next(generator: IdGenerator): SnowflakeId<Kind>;
}

/**
 * Declares an id kind, e.g.
 *
 * ```ts
 * export const AuthorizationId = defineSnowflakeIdType('AuthorizationId');
 * export type AuthorizationId = SnowflakeId<'AuthorizationId'>;
 * ```
 */
export function defineSnowflakeIdType<const Kind extends string>(
  kind: Kind,
): SnowflakeIdType<Kind> {
  const is = (value: unknown): value is SnowflakeId<Kind> => isSnowflake(value);
  return {
    kind,
    is,
    parse(value: string): SnowflakeId<Kind> {
      if (!is(value)) {
        throw new PlatformError('invalid.snowflake_id', `not a ${kind}`, {
          retryable: false,
          params: { kind },
        });
      }
      return value;
    },
    next(generator: IdGenerator): SnowflakeId<Kind> {
      return generator.nextId() as SnowflakeId<Kind>;
    },
  };
}
