import {
  Server,
  ServerCredentials,
  status as GrpcStatus,
  type ChannelOptions,
  type handleUnaryCall,
  type MethodDefinition,
  type ServerUnaryCall,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { context as otelContext, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

import { systemClock, type Clock } from '@corebank/platform-clock';
import { PlatformError } from '@corebank/platform-errors';

import {
  deadlineExceededError,
  runInRpcCallScope,
  type RpcCallContext,
  type RpcCallScope,
} from './rpc-call-context';
import { CALL_CANCELLED_CODE, GENERIC_INTERNAL_MESSAGE, toServerErrorResponse } from './rpc-status';
import { extractTraceContext, traceparentOf } from './rpc-trace-context';
import type { RequestOf, ResponseOf, RpcServiceDefinition, UnaryMethodName } from './rpc-types';

/** A unary handler: gets the decoded request and its call context, resolves the response. */
export type UnaryHandler<Request, Response> = (
  request: Request,
  context: RpcCallContext,
) => Promise<Response>;

/** One handler per unary method of the definition, typed from the generated messages. */
export type UnaryHandlers<Definition extends RpcServiceDefinition> = {
  [Name in UnaryMethodName<Definition>]: UnaryHandler<
    RequestOf<Definition[Name]>,
    ResponseOf<Definition[Name]>
  >;
};

/** Emitted once per finished call, for metrics and logs wired from outside (no vendor SDK here). */
export interface RpcServerCallEvent {
  readonly method: string;
  readonly durationMs: number;
  /** The gRPC status sent (OK, or the mapped status of the error). */
  readonly status: GrpcStatus;
  /** The error the handler threw, in-process only (it may hold a cause and a stack). */
  readonly error: unknown;
  /** True when the caller cancelled or the deadline passed before the handler finished. */
  readonly abandoned: boolean;
}

export interface RpcServerOptions {
  credentials?: ServerCredentials;
  /** grpc-js server options, e.g. `grpc.max_receive_message_length`. */
  channelOptions?: ChannelOptions;
  onCallCompleted?: (event: RpcServerCallEvent) => void;
  /**
   * Used for `remainingMs()` and durations. It must follow the wall clock: grpc-js computes
   * deadlines from `Date.now()`, so a manual clock would disagree with them.
   */
  clock?: Clock;
  /**
   * Calls handled at once; beyond this a call is refused at once with `exhausted.rpc_server_busy`
   * (retryable) instead of queueing behind work that may already miss its deadline.
   */
  concurrentCallCountMax?: number;
}

export const DEFAULT_CONCURRENT_CALL_COUNT_MAX = 1_000;

const TRACER_NAME = '@corebank/platform-rpc';
/**
 * A client cancels at its own deadline, which is a little earlier than the server's copy (the
 * timeout header is relative and the request spends time in transit). A cancel this close to
 * the deadline is reported as the deadline passing, which is what happened.
 */
const DEADLINE_SKEW_TOLERANCE_MS = 50;

/**
 * A grpc-js server for unary services. Each call runs its handler inside an AsyncLocalStorage
 * scope holding its RpcCallContext and the continued trace context, maps any thrown error to a
 * gRPC status in one place (rpc-status.ts), and aborts the context's signal on cancel/deadline.
 */
export class RpcServer {
  private readonly server: Server;
  private readonly clock: Clock;
  private readonly tracer = trace.getTracer(TRACER_NAME);
  private readonly concurrentCallCountMax: number;
  private inFlightCallCount = 0;
  private boundPort: number | undefined;
  private shutdownDone: Promise<void> | undefined;

  constructor(private readonly options: RpcServerOptions = {}) {
    this.server = new Server(options.channelOptions);
    this.clock = options.clock ?? systemClock;
    this.concurrentCallCountMax =
      options.concurrentCallCountMax ?? DEFAULT_CONCURRENT_CALL_COUNT_MAX;
  }

  /**
   * Registers a service. Every unary method needs a handler; streaming methods are not supported
   * and answer UNIMPLEMENTED.
   *
   * @throws PlatformError `invalid.rpc_streaming_handler` when a handler is given for a streaming method.
   */
  addService<Definition extends RpcServiceDefinition>(
    definition: Definition,
    handlers: UnaryHandlers<Definition>,
  ): void {
    const implementation: UntypedServiceImplementation = {};
    // Each handler's request type is exactly what its method's deserializer produces, which the
    // mapped type guarantees; the per-name lookup below cannot express that, hence the widening.
    const handlerByName = handlers as unknown as Partial<
      Record<string, UnaryHandler<unknown, unknown>>
    >;
    for (const [name, method] of Object.entries(definition) as [
      string,
      MethodDefinition<unknown, unknown>,
    ][]) {
      const handler = handlerByName[name];
      if (handler === undefined) {
        continue;
      }
      if (method.requestStream || method.responseStream) {
        throw new PlatformError(
          'invalid.rpc_streaming_handler',
          'streaming methods are not supported',
          {
            retryable: false,
            params: { method: method.path },
          },
        );
      }
      implementation[name] = this.unaryCall(method.path, handler);
    }
    this.server.addService(definition, implementation);
  }

  /** Binds and starts serving; resolves the bound port (useful with port 0). */
  async listen(host = '127.0.0.1', port = 0): Promise<number> {
    const credentials = this.options.credentials ?? ServerCredentials.createInsecure();
    const boundPort = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(`${host}:${port}`, credentials, (error, actualPort) => {
        if (error !== null) {
          reject(
            new PlatformError('unavailable.rpc_bind_failed', 'could not bind the gRPC server', {
              retryable: false,
              params: { host, port },
              cause: error,
            }),
          );
          return;
        }
        resolve(actualPort);
      });
    });
    this.boundPort = boundPort;
    return boundPort;
  }

  get port(): number | undefined {
    return this.boundPort;
  }

  /**
   * Stops accepting calls and lets running ones finish for up to `graceMs`; after that the rest
   * are cancelled (their handlers see `signal` abort). Calling it again returns the same promise.
   */
  shutdown(graceMs: number): Promise<void> {
    this.shutdownDone ??= new Promise<void>((resolve) => {
      const forceTimer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(forceTimer);
        resolve();
      });
    });
    return this.shutdownDone;
  }

  private unaryCall(
    path: string,
    handler: UnaryHandler<unknown, unknown>,
  ): handleUnaryCall<unknown, unknown> {
    return (call, callback) => {
      if (this.inFlightCallCount >= this.concurrentCallCountMax) {
        const busy = new PlatformError('exhausted.rpc_server_busy', 'the server is at capacity', {
          retryable: true,
          params: { concurrentCallCountMax: this.concurrentCallCountMax },
        });
        const response = toServerErrorResponse(busy);
        callback(response);
        this.options.onCallCompleted?.({
          method: path,
          durationMs: 0,
          status: response.code ?? GrpcStatus.RESOURCE_EXHAUSTED,
          error: busy,
          abandoned: false,
        });
        return;
      }
      this.inFlightCallCount += 1;
      const startedAtMs = this.clock.nowMs();
      const abortController = new AbortController();
      const deadlineMs = deadlineMsOf(call);
      const clock = this.clock;
      const callContext: RpcCallContext = {
        method: path,
        deadlineMs,
        remainingMs: () =>
          deadlineMs === undefined ? Infinity : Math.max(0, deadlineMs - clock.nowMs()),
        traceparent: traceparentOf(call.metadata),
        signal: abortController.signal,
        metadata: call.metadata,
      };

      const onCancelled = (): void => {
        abortController.abort(
          deadlineMs !== undefined && clock.nowMs() >= deadlineMs - DEADLINE_SKEW_TOLERANCE_MS
            ? deadlineExceededError(0)
            : new PlatformError(CALL_CANCELLED_CODE, 'the caller cancelled the call', {
                retryable: false,
              }),
        );
      };
      // grpc-js runs the call's deadline timer itself: when it fires it answers
      // DEADLINE_EXCEEDED and emits 'cancelled', which aborts the signal above as a deadline
      // (no second timer per call here).
      call.once('cancelled', onCancelled);

      const parentContext = extractTraceContext(call.metadata);
      const span = this.tracer.startSpan(
        path,
        { kind: SpanKind.SERVER, attributes: { 'rpc.system': 'grpc', 'rpc.method': path } },
        parentContext,
      );
      const scope: RpcCallScope = {
        callContext,
        traceContext: trace.setSpan(parentContext, span),
      };

      let finished = false;
      const finish = (status: GrpcStatus, error: unknown): void => {
        // Once only, even if an onCallCompleted hook throws and the fallback below runs.
        if (finished) {
          return;
        }
        finished = true;
        this.inFlightCallCount -= 1;
        call.removeListener('cancelled', onCancelled);
        const abandoned = abortController.signal.aborted;
        if (span.isRecording()) {
          if (status !== GrpcStatus.OK) {
            span.setStatus({ code: SpanStatusCode.ERROR });
          }
          span.setAttribute('rpc.grpc.status_code', status);
        }
        span.end();
        const onCallCompleted = this.options.onCallCompleted;
        if (onCallCompleted !== undefined) {
          const event = {
            method: path,
            durationMs: clock.nowMs() - startedAtMs,
            status,
            error,
            abandoned,
          };
          // In the call's trace context, so a log line the hook writes carries the call's trace id.
          otelContext.with(scope.traceContext, () => onCallCompleted(event));
        }
      };

      otelContext
        .with(scope.traceContext, () =>
          // The executor turns a synchronous throw into a rejection, so it maps like any other.
          runInRpcCallScope(
            scope,
            () => new Promise<unknown>((resolve) => resolve(handler(call.request, callContext))),
          ),
        )
        .then(
          (response) => {
            callback(null, response);
            finish(GrpcStatus.OK, undefined);
          },
          (error: unknown) => {
            const response = toServerErrorResponse(error);
            callback(response);
            finish(response.code ?? GrpcStatus.INTERNAL, error);
          },
        )
        .catch((sendError: unknown) => {
          // Sending itself failed (e.g. grpc-js refused a metadata value): answer INTERNAL
          // rather than leave the caller waiting for its deadline. grpc-js ignores a second
          // answer if the first one did go out.
          if (!finished) {
            callback({ code: GrpcStatus.INTERNAL, details: GENERIC_INTERNAL_MESSAGE });
            finish(GrpcStatus.INTERNAL, sendError);
          }
        });
    };
  }
}

function deadlineMsOf(call: ServerUnaryCall<unknown, unknown>): number | undefined {
  const deadline = call.getDeadline();
  const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(deadlineMs) ? deadlineMs : undefined;
}
