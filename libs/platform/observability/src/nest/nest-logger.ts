import type { LoggerService } from '@nestjs/common';

import type { Logger } from '../logging/logger';

/**
 * Routes Nest's own logging (and every `new Logger(context)` in app code) to the scrubbing JSON
 * logger: `app.useLogger(app.get(NestLogger))`. Nest passes the context as the last string
 * argument and, for errors, a stack before it.
 */
export class NestLogger implements LoggerService {
  constructor(readonly logger: Logger) {}

  log(message: unknown, ...optionalParams: unknown[]): void {
    this.write('info', message, optionalParams);
  }

  error(message: unknown, ...optionalParams: unknown[]): void {
    this.write('error', message, optionalParams);
  }

  warn(message: unknown, ...optionalParams: unknown[]): void {
    this.write('warn', message, optionalParams);
  }

  debug(message: unknown, ...optionalParams: unknown[]): void {
    this.write('debug', message, optionalParams);
  }

  verbose(message: unknown, ...optionalParams: unknown[]): void {
    this.write('debug', message, optionalParams);
  }

  fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.write('error', message, optionalParams);
  }

  private write(
    level: 'error' | 'warn' | 'info' | 'debug',
    message: unknown,
    optionalParams: readonly unknown[],
  ): void {
    const params = [...optionalParams];
    const last = params.at(-1);
    const context = params.length > 0 && typeof last === 'string' ? params.pop() : undefined;
    const fields: Record<string, unknown> = {};
    if (context !== undefined) {
      fields.context = context;
    }
    // Nest's error(message, stack, context): a lone string before the context is the stack.
    if (level === 'error' && params.length === 1 && typeof params[0] === 'string') {
      fields.stack = params.pop();
    }
    if (params.length > 0) {
      fields.details = params;
    }
    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, message.message);
      return;
    }
    if (typeof message === 'object' && message !== null) {
      const { message: text, ...rest } = message as Record<string, unknown>;
      this.logger[level]({ ...fields, ...rest }, typeof text === 'string' ? text : 'nest log');
      return;
    }
    this.logger[level](fields, String(message));
  }
}
