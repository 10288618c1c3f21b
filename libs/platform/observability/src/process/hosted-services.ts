import { AsyncLocalStorage } from 'node:async_hooks';

import { type Context, SpanKind, trace } from '@opentelemetry/api';
import type { Span, SpanProcessor } from '@opentelemetry/sdk-trace-node';
import type { LoggerService } from '@nestjs/common';

import { createLogger, type Logger, type LogLevel } from '../logging/logger';
import { NestLogger } from '../nest/nest-logger';

/**
 * One process may host several services (the all-in-one bank). Nest's static logger and the
 * OpenTelemetry tracer provider are one per process, so on their own they cannot tell which
 * service a log line or span belongs to. The host starts each service inside `runAsHostedService`;
 * everything that service schedules from there (servers it listens on, consumers, timers) keeps
 * the name through AsyncLocalStorage, and the two adapters below read it.
 */
const hostedService = new AsyncLocalStorage<string>();

/** Span attribute naming the hosted service that started the span (read by the recorder). */
export const HOSTED_SERVICE_ATTRIBUTE = 'corebank.service';

/** Runs `start` (and everything it schedules) as `serviceName`. */
export function runAsHostedService<Result>(serviceName: string, start: () => Result): Result {
  return hostedService.run(serviceName, start);
}

/** The hosted service the current code runs for; undefined outside `runAsHostedService`. */
export function currentHostedService(): string | undefined {
  return hostedService.getStore();
}

/**
 * Names the hosted service that serves an incoming call from the server span's attributes (e.g.
 * by its `rpc.method` package), or undefined when the host cannot tell.
 */
export type HostedServiceOfServerSpan = (
  attributes: Readonly<Record<string, unknown>>,
) => string | undefined;

/**
 * Tags each span at its start with the hosted service it runs in. Node does not carry an
 * AsyncLocalStorage store into every library callback (grpc-js runs handlers from HTTP/2 stream
 * events where the store is lost), so, in this order: a server span is named by the host's
 * `serverSpanService`; any other span inherits its in-process parent's service; else the
 * `runAsHostedService` store decides.
 */
export class HostedServiceSpanProcessor implements SpanProcessor {
  constructor(private readonly serverSpanService: HostedServiceOfServerSpan = () => undefined) {}

  onStart(span: Span, parentContext: Context): void {
    const serviceName =
      (span.kind === SpanKind.SERVER ? this.serverSpanService(span.attributes) : undefined) ??
      localParentService(parentContext) ??
      currentHostedService();
    if (serviceName !== undefined) {
      span.setAttribute(HOSTED_SERVICE_ATTRIBUTE, serviceName);
    }
  }

  onEnd(): void {
    // Attribution happens at the start; nothing to do when the span ends.
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** The hosted service of the parent span when the parent was started in this process. */
function localParentService(parentContext: Context): string | undefined {
  const parent = trace.getSpan(parentContext);
  if (parent === undefined || parent.spanContext().isRemote === true) {
    return undefined;
  }
  // SDK spans expose their attributes (ReadableSpan); a non-recording parent has none.
  const attributes = (parent as Partial<Pick<Span, 'attributes'>>).attributes;
  const serviceName = attributes?.[HOSTED_SERVICE_ATTRIBUTE];
  return typeof serviceName === 'string' ? serviceName : undefined;
}

export interface HostedServicesNestLoggerOptions {
  /** The process's own name, for lines written outside any hosted service. */
  readonly hostName: string;
  readonly level: LogLevel;
  /** Where lines go; standard output when omitted. Tests pass an in-memory stream. */
  readonly destination?: Parameters<typeof createLogger>[0]['destination'];
}

/**
 * Nest's process-wide logger for a host of several services: each line goes to a JSON logger
 * whose `service` is the hosted service the line was written in, so the last service to call
 * `app.useLogger` does not label every other service's lines with its own name.
 */
export class HostedServicesNestLogger implements LoggerService {
  private readonly loggers = new Map<string, NestLogger>();

  constructor(private readonly options: HostedServicesNestLoggerOptions) {}

  log(message: unknown, ...optionalParams: unknown[]): void {
    this.current().log(message, ...optionalParams);
  }

  error(message: unknown, ...optionalParams: unknown[]): void {
    this.current().error(message, ...optionalParams);
  }

  warn(message: unknown, ...optionalParams: unknown[]): void {
    this.current().warn(message, ...optionalParams);
  }

  debug(message: unknown, ...optionalParams: unknown[]): void {
    this.current().debug(message, ...optionalParams);
  }

  verbose(message: unknown, ...optionalParams: unknown[]): void {
    this.current().verbose(message, ...optionalParams);
  }

  fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.current().fatal(message, ...optionalParams);
  }

  /** The JSON logger lines of `serviceName` go to (created on first use, one per service). */
  loggerOf(serviceName: string): Logger {
    return this.nestLoggerOf(serviceName).logger;
  }

  private current(): NestLogger {
    return this.nestLoggerOf(currentHostedService() ?? this.options.hostName);
  }

  private nestLoggerOf(serviceName: string): NestLogger {
    let nestLogger = this.loggers.get(serviceName);
    if (nestLogger === undefined) {
      nestLogger = new NestLogger(
        createLogger({
          service: serviceName,
          level: this.options.level,
          destination: this.options.destination,
        }),
      );
      this.loggers.set(serviceName, nestLogger);
    }
    return nestLogger;
  }
}
