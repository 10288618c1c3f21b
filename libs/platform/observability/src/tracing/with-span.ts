import { SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';

import { isPlatformError } from '@corebank/platform-errors';

const TRACER_NAME = '@corebank/platform-observability';

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
}

/**
 * Runs `work` in a new active span (child of the active one) and ends it. A failure marks the
 * span as an error with the PlatformError code only: messages may carry data that is not for
 * the trace backend.
 */
export async function runInSpan<Result>(
  name: string,
  work: () => Promise<Result>,
  options: SpanOptions = {},
): Promise<Result> {
  return trace
    .getTracer(TRACER_NAME)
    .startActiveSpan(
      name,
      { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes },
      async (span) => {
        try {
          return await work();
        } catch (error) {
          const code = isPlatformError(error) ? error.code : 'unexpected';
          span.setAttribute('error.code', code);
          span.setStatus({ code: SpanStatusCode.ERROR, message: code });
          throw error;
        } finally {
          span.end();
        }
      },
    );
}

/** Anything with one `execute(command)`: the shape of every use case (STYLE §3). */
export interface Executable<Command, Result> {
  execute(command: Command): Promise<Result>;
}

/**
 * Wraps a use case in a span without touching it (the decorator pattern of STYLE §3/§12.6):
 * the returned object implements the same interface.
 */
export function withTracing<Command, Result>(
  spanName: string,
  useCase: Executable<Command, Result>,
): Executable<Command, Result> {
  return {
    execute: (command) => runInSpan(spanName, () => useCase.execute(command)),
  };
}
