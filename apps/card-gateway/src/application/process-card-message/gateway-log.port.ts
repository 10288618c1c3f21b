/**
 * Structured logging as the gateway needs it: a constant message and safe fields. The adapter
 * (pino with the central redaction list) is chosen in main.ts; tests pass a recording one.
 */
export type GatewayLogFields = Readonly<Record<string, string | number | boolean | undefined>>;

export interface GatewayLog {
  /** Per-message lines: off at the default level, so they cost nothing on the hot path. */
  debug(message: string, fields?: GatewayLogFields): void;
  info(message: string, fields?: GatewayLogFields): void;
  warn(message: string, fields?: GatewayLogFields): void;
  error(message: string, fields?: GatewayLogFields): void;
}

export const GATEWAY_LOG = Symbol('GATEWAY_LOG');
