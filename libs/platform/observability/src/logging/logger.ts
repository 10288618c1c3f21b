import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

import { scrubText, scrubValue } from './redaction';

/**
 * Levels (STYLE §8): `error` someone must act; `warn` degraded but handled; `info` one line per
 * state change; `debug` off in production.
 */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type { Logger } from 'pino';

export const LOGGER = Symbol('LOGGER');

export interface CreateLoggerOptions {
  /** Written on every line as `service`. */
  service: string;
  level: LogLevel;
  /** Where lines go; standard output when omitted. Tests pass an in-memory stream. */
  destination?: DestinationStream;
}

/**
 * A pino JSON logger that scrubs everything it is given (message, interpolation arguments,
 * merge objects at any depth, errors, child bindings) through `scrubValue`, and adds the active
 * OpenTelemetry `trace_id` and `span_id` to every line.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const pinoOptions: LoggerOptions = {
    level: options.level,
    base: { service: options.service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      bindings: (bindings) => scrubRecord(bindings),
    },
    mixin: traceFields,
    // Errors are already plain, scrubbed objects (see scrubArguments); pino's own error
    // serializer would re-read the original's properties.
    serializers: { err: (value: unknown) => value },
    hooks: {
      logMethod(args, method) {
        method.apply(this, scrubArguments(args) as Parameters<typeof method>);
      },
    },
  };
  const logger =
    options.destination === undefined ? pino(pinoOptions) : pino(pinoOptions, options.destination);
  scrubChildBindings(logger);
  return logger;
}

/**
 * pino applies `formatters.bindings` to the base bindings only; child bindings are serialised
 * as given. Children are created with `Object.create(parent)`, so replacing `child` and
 * `setBindings` on the root also covers children of children.
 */
function scrubChildBindings(logger: Logger): void {
  // Deliberately unbound: each is re-invoked with the child instance as `this`, as pino expects.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const child = logger.child;
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const setBindings = logger.setBindings;
  logger.child = function childWithScrubbedBindings(this: Logger, bindings, childOptions) {
    return child.call(this, scrubRecord(bindings), childOptions);
  } as typeof child;
  logger.setBindings = function setScrubbedBindings(this: Logger, bindings) {
    setBindings.call(this, scrubRecord(bindings));
  };
}

/** The active span's ids, in the field names log backends correlate on. */
export function traceFields(): { trace_id?: string; span_id?: string } {
  const spanContext = trace.getSpan(context.active())?.spanContext();
  if (spanContext === undefined || !isSpanContextValid(spanContext)) {
    return {};
  }
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

function scrubRecord(record: object): Record<string, unknown> {
  const scrubbed = scrubValue(record);
  return typeof scrubbed === 'object' && scrubbed !== null && !Array.isArray(scrubbed)
    ? (scrubbed as Record<string, unknown>)
    : {};
}

/**
 * pino's call shapes are `(mergeObject?, message?, ...interpolationArgs)`. An Error as first
 * argument becomes `{ err }` with its scrubbed message as the line's message, as pino would do.
 */
function scrubArguments(args: readonly unknown[]): unknown[] {
  const [first, ...rest] = args;
  if (first instanceof Error) {
    const message = typeof rest[0] === 'string' ? [] : [scrubText(first.message)];
    return [{ err: scrubValue(first) }, ...message, ...rest.map(scrubValue)];
  }
  if (typeof first === 'object' && first !== null) {
    return [scrubRecord(first), ...rest.map(scrubValue)];
  }
  return args.map(scrubValue);
}
