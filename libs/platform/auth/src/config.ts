import { z } from 'zod';

import { envEnum, envInteger, envString } from '@corebank/platform-config';

import { HS256_SECRET_BYTES_MIN, TOKEN_ALGORITHMS, type VerificationKey } from './compact-jws';

/**
 * Bearer-token settings shared by every customer-facing HTTP API, so one token works for all.
 * The key has no default: HS256 needs AUTH_JWT_HS256_SECRET, ES256 needs AUTH_JWT_PUBLIC_KEY_PEM.
 */
export const authConfigSchema = z
  .object({
    /** ES256 by default: production tokens come from the identity service's private key. */
    AUTH_JWT_ALGORITHM: envEnum(TOKEN_ALGORITHMS, { default: 'ES256' }),
    AUTH_JWT_HS256_SECRET: envString({ minLength: HS256_SECRET_BYTES_MIN }).optional(),
    AUTH_JWT_PUBLIC_KEY_PEM: envString().optional(),
    AUTH_JWT_ISSUER: envString({ default: 'corebank' }),
    AUTH_CLOCK_SKEW_SECONDS: envInteger({ default: 30, min: 0, max: 300 }),
  })
  .transform((env, context) => {
    const key: VerificationKey | undefined =
      env.AUTH_JWT_ALGORITHM === 'HS256'
        ? env.AUTH_JWT_HS256_SECRET === undefined
          ? undefined
          : { algorithm: 'HS256', secret: env.AUTH_JWT_HS256_SECRET }
        : env.AUTH_JWT_PUBLIC_KEY_PEM === undefined
          ? undefined
          : { algorithm: 'ES256', publicKeyPem: env.AUTH_JWT_PUBLIC_KEY_PEM };
    if (key === undefined) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: [
          env.AUTH_JWT_ALGORITHM === 'HS256' ? 'AUTH_JWT_HS256_SECRET' : 'AUTH_JWT_PUBLIC_KEY_PEM',
        ],
        message: `required when AUTH_JWT_ALGORITHM=${env.AUTH_JWT_ALGORITHM}`,
      });
      return z.NEVER;
    }
    return { key, issuer: env.AUTH_JWT_ISSUER, clockSkewSeconds: env.AUTH_CLOCK_SKEW_SECONDS };
  });

export type AuthConfig = z.infer<typeof authConfigSchema>;
