import { isIP } from 'node:net';

import { z } from 'zod';

import {
  envEnum,
  envInteger,
  envMilliseconds,
  envSeconds,
  envString,
  loadConfig,
  type EnvRecord,
} from '@corebank/platform-config';
import { observabilityConfigSchema } from '@corebank/platform-observability';

import { opsHttpConfigSchema } from './ops/ops-http-config';

/**
 * The card-gateway's configuration, validated once at boot (STYLE §7). Endpoints and secrets have
 * no defaults. Processor authentication (ARCHITECTURE §11):
 * - `mutual_tls`: HTTPS, the client certificate must chain to CARD_GATEWAY_TLS_CLIENT_CA_PATH;
 * - `ws_security`: HTTPS, plus a UsernameToken (PasswordText or PasswordDigest) in every request;
 * - `none`: plain HTTP without authentication, refused unless bound to a loopback address
 *   (the one-process bank and tests behind it).
 */
export const cardGatewayConfigSchema = z
  .object({
    CARD_GATEWAY_HOST: envString({ default: '127.0.0.1' }),
    /** 0 picks a free port (printed at boot). */
    CARD_GATEWAY_PORT: envInteger({ min: 0, max: 65_535 }),
    CARD_GATEWAY_PATH: envString({ default: '/ehi' }),
    /** wsdl/ehi-endpoint-v52.wsdl of this repository, relative to the working directory. */
    CARD_GATEWAY_WSDL_PATH: envString({ default: 'wsdl/ehi-endpoint-v52.wsdl' }),
    /** host:port of the authorization gRPC service. */
    CARD_GATEWAY_AUTHORIZATION_ADDRESS: envString(),
    /**
     * Whole budget from the request's arrival to the reply (CARD-PROCESSOR.md §7: 80–90 ms in
     * production, under the processor's 200 ms). Larger values are for tests on loaded machines.
     */
    CARD_GATEWAY_DEADLINE_BUDGET_MS: envMilliseconds({ default: 80, min: 10, max: 1000 }),
    /** Kept back from the budget to serialise and write the reply. */
    CARD_GATEWAY_REPLY_RESERVE_MS: envMilliseconds({ default: 5, min: 0, max: 50 }),
    CARD_GATEWAY_BODY_BYTES_MAX: envInteger({ default: 65_536, min: 1024, max: 1_048_576 }),
    CARD_GATEWAY_XML_DEPTH_MAX: envInteger({ default: 8, min: 4, max: 32 }),
    CARD_GATEWAY_XML_ELEMENT_COUNT_MAX: envInteger({ default: 400, min: 10, max: 10_000 }),
    CARD_GATEWAY_XML_TEXT_LENGTH_MAX: envInteger({ default: 1024, min: 64, max: 65_536 }),
    CARD_GATEWAY_VOID_TIMEOUT_MS: envMilliseconds({ default: 1000, min: 10, max: 60_000 }),
    CARD_GATEWAY_VOID_ATTEMPT_COUNT_MAX: envInteger({ default: 5, min: 1, max: 20 }),
    CARD_GATEWAY_VOID_BACKOFF_INITIAL_MS: envMilliseconds({ default: 50, min: 1, max: 10_000 }),
    CARD_GATEWAY_VOID_BACKOFF_MAX_MS: envMilliseconds({ default: 1000, min: 1, max: 60_000 }),
    CARD_GATEWAY_AUTH_MODE: envEnum(['mutual_tls', 'ws_security', 'none'] as const),
    CARD_GATEWAY_TLS_CERT_PATH: envString().optional(),
    CARD_GATEWAY_TLS_KEY_PATH: envString().optional(),
    CARD_GATEWAY_TLS_CLIENT_CA_PATH: envString().optional(),
    CARD_GATEWAY_WSS_USERNAME: envString().optional(),
    CARD_GATEWAY_WSS_PASSWORD: envString({ minLength: 12 }).optional(),
    CARD_GATEWAY_WSS_CREATED_SKEW_SECONDS: envSeconds({ default: 300, min: 1, max: 3600 }),
    CARD_GATEWAY_WSS_NONCE_CACHE_SIZE_MAX: envInteger({
      default: 100_000,
      min: 100,
      max: 10_000_000,
    }),
    CARD_GATEWAY_SHUTDOWN_GRACE_MS: envMilliseconds({ default: 5000, min: 0, max: 60_000 }),
  })
  // Flat like the rest of this schema: LOG_LEVEL, OTEL_*, TRACE_RECORDER_* and OPS_HTTP_*.
  .merge(observabilityConfigSchema)
  .merge(opsHttpConfigSchema)
  .superRefine((config, context) => {
    const require = (variable: keyof typeof config, why: string): void => {
      if (config[variable] === undefined) {
        context.addIssue({
          code: z.ZodIssueCode.custom,
          path: [variable],
          message: `required ${why}`,
        });
      }
    };
    if (config.CARD_GATEWAY_AUTH_MODE !== 'none') {
      require('CARD_GATEWAY_TLS_CERT_PATH', 'with TLS');
      require('CARD_GATEWAY_TLS_KEY_PATH', 'with TLS');
    }
    if (config.CARD_GATEWAY_AUTH_MODE === 'mutual_tls') {
      require('CARD_GATEWAY_TLS_CLIENT_CA_PATH', 'with mutual_tls');
    }
    if (config.CARD_GATEWAY_AUTH_MODE === 'ws_security') {
      require('CARD_GATEWAY_WSS_USERNAME', 'with ws_security');
      require('CARD_GATEWAY_WSS_PASSWORD', 'with ws_security');
    }
    if (config.CARD_GATEWAY_AUTH_MODE === 'none' && !isLoopback(config.CARD_GATEWAY_HOST)) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['CARD_GATEWAY_AUTH_MODE'],
        message: 'none is only allowed on a loopback CARD_GATEWAY_HOST',
      });
    }
    if (config.CARD_GATEWAY_REPLY_RESERVE_MS >= config.CARD_GATEWAY_DEADLINE_BUDGET_MS) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['CARD_GATEWAY_REPLY_RESERVE_MS'],
        message: 'must be less than CARD_GATEWAY_DEADLINE_BUDGET_MS',
      });
    }
  });

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

export type CardGatewayConfig = ReturnType<typeof loadCardGatewayConfig>;

export const CARD_GATEWAY_CONFIG = Symbol('CARD_GATEWAY_CONFIG');

export function loadCardGatewayConfig(env: EnvRecord = process.env) {
  return loadConfig(cardGatewayConfigSchema, env);
}
