import {
  credentials as grpcCredentials,
  Metadata,
  type ChannelCredentials,
  type Client,
  type ClientOptions,
  type MethodDefinition,
} from '@grpc/grpc-js';
import {
  context as otelContext,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
} from '@opentelemetry/api';

import { systemClock, type Clock } from '@corebank/platform-clock';
import { isPlatformError, PlatformError } from '@corebank/platform-errors';

import { currentRpcCallScope, deadlineExceededError } from './rpc-call-context';
import { RollingCircuitBreaker, type BreakerOutcome } from './rpc-circuit-breaker';
import { CALL_CANCELLED_CODE, platformErrorFromServiceError } from './rpc-status';
import { hasSpan, injectTraceContext } from './rpc-trace-context';
import type {
  RequestOf,
  ResponseOf,
  RpcClientConstructor,
  RpcServiceDefinition,
  UnaryMethodName,
} from './rpc-types';

export interface RpcRetryOptions {
  /** Attempts in total, the first one included (1 means no retry). */
  attemptCountMax: number;
  /** Backoff ceiling before the first retry; doubles per retry up to `backoffMaxMs`. */
  backoffInitialMs: number;
  backoffMaxMs: number;
}

export interface RpcBreakerOptions {
  /** The circuit opens when more than this percentage of calls in the window failed. */
  openAtFailurePercent: number;
  /** Rolling window over which failures are counted. */
  windowMs: number;
  windowBucketCount: number;
  /** No decision is taken before this many calls were made in the window. */
  callCountMin: number;
  /** How long the circuit stays open before letting one trial call through (half-open). */
  openDurationMs: number;
}

export interface RpcHedgeOptions<MethodName extends string> {
  /** Idempotent reads only: a hedged request runs twice on the server. */
  methods: readonly MethodName[];
  /** Without an answer after this long, a second request is sent; the first answer wins. */
  delayMs: number;
}

/** Emitted once per logical call (after retries and hedges), for metrics wired from outside. */
export interface RpcClientCallEvent {
  readonly method: string;
  readonly durationMs: number;
  /** Requests actually sent (retries and hedges included; 0 when the circuit was open). */
  readonly requestCount: number;
  readonly error: PlatformError | undefined;
}

export interface RpcClientOptions<Definition extends RpcServiceDefinition> {
  /** `host:port` of the server. */
  address: string;
  /** Defaults to insecure (plain-text HTTP/2), for 127.0.0.1 and in-cluster mTLS sidecars. */
  credentials?: ChannelCredentials;
  /** Deadline of a call made outside any served call; inside one, the upstream deadline caps it. */
  defaultTimeoutMs: number;
  /** Methods that are safe to send more than once: only these are retried or hedged. */
  idempotentMethods?: readonly UnaryMethodName<Definition>[];
  retry?: RpcRetryOptions;
  /** Circuit breaker for this client (all methods); `false` turns it off. */
  breaker?: RpcBreakerOptions | false;
  hedge?: RpcHedgeOptions<UnaryMethodName<Definition>>;
  channelOptions?: Partial<ClientOptions>;
  /** Deadlines and durations; must follow the wall clock, as grpc-js deadlines do. */
  clock?: Clock;
  /** Source of jitter in [0, 1); injectable so tests can pin backoff. */
  random?: () => number;
  onCallCompleted?: (event: RpcClientCallEvent) => void;
}

export interface RpcCallOptions {
  /** This call's own timeout; the effective deadline is min(this, upstream deadline). */
  timeoutMs?: number;
  /** Extra request metadata (copied; trace context is added to the copy). */
  metadata?: Metadata;
  /** Cancels the call (all attempts) when aborted. */
  signal?: AbortSignal;
  /**
   * Ignore the deadline and cancellation of the call being served (the trace still continues).
   * For compensations that must run after the upstream caller gave up, such as voiding a hold
   * whose decision was never delivered (ARCHITECTURE §5); `timeoutMs` still bounds them.
   */
  detached?: boolean;
}

export type RpcCircuitState = 'closed' | 'open' | 'half_open';

/**
 * A typed client for one service. `call` rejects only with PlatformError:
 * - the server's own codes, unchanged (code, message, params, retryable);
 * - `timeout.deadline_exceeded` when the deadline passed (or was already spent upstream);
 * - `unavailable.rpc_unreachable` (retryable) when the server could not be reached;
 * - `unavailable.circuit_open` (retryable later, never retried here) while the circuit is open;
 * - `unavailable.call_cancelled` when the caller's or the upstream call's signal aborted;
 * - `internal.*` for other gRPC failures.
 */
export interface RpcClient<Definition extends RpcServiceDefinition> {
  call<Name extends UnaryMethodName<Definition>>(
    method: Name,
    request: RequestOf<Definition[Name]>,
    options?: RpcCallOptions,
  ): Promise<ResponseOf<Definition[Name]>>;
  circuitState(): RpcCircuitState;
  /** Closes the channel (the breaker holds no timers). */
  close(): void;
}

export const DEFAULT_RPC_RETRY: Readonly<RpcRetryOptions> = Object.freeze({
  attemptCountMax: 3,
  backoffInitialMs: 20,
  backoffMaxMs: 200,
});

export const DEFAULT_RPC_BREAKER: Readonly<RpcBreakerOptions> = Object.freeze({
  openAtFailurePercent: 50,
  windowMs: 10_000,
  windowBucketCount: 10,
  callCountMin: 20,
  openDurationMs: 5_000,
});

export const CIRCUIT_OPEN_CODE = 'unavailable.circuit_open';
/** A hedge sends one extra request at most: two copies of a read are enough to cut the tail. */
const HEDGE_REQUEST_COUNT_MAX = 2;
const TRACER_NAME = '@corebank/platform-rpc';
/** Categories that say something about the request, not about the server's health. */
const CATEGORIES_NOT_COUNTED_BY_BREAKER = new Set([
  'invalid',
  'not_found',
  'conflict',
  'permission',
  'unauthenticated',
]);

/**
 * Creates a client from a generated grpc-js client constructor (ts-proto `<Name>Client`).
 *
 * @throws PlatformError `invalid.rpc_client_config` when a hedged method is not idempotent, a
 *   method name is unknown or streaming, or a bound is not a positive number.
 */
export function createRpcClient<Definition extends RpcServiceDefinition>(
  ClientConstructor: RpcClientConstructor<Definition>,
  options: RpcClientOptions<Definition>,
): RpcClient<Definition> {
  return new GrpcRpcClient(ClientConstructor, options);
}

class GrpcRpcClient<Definition extends RpcServiceDefinition> implements RpcClient<Definition> {
  private readonly client: Client;
  private readonly definition: Definition;
  private readonly idempotentMethods: ReadonlySet<string>;
  private readonly hedgedMethods: ReadonlySet<string>;
  private readonly retry: Readonly<RpcRetryOptions>;
  private readonly breaker: RollingCircuitBreaker | undefined;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly tracer = trace.getTracer(TRACER_NAME);

  constructor(
    ClientConstructor: RpcClientConstructor<Definition>,
    private readonly options: RpcClientOptions<Definition>,
  ) {
    this.definition = ClientConstructor.service;
    this.idempotentMethods = new Set(options.idempotentMethods ?? []);
    this.hedgedMethods = new Set(options.hedge?.methods ?? []);
    this.retry = options.retry ?? DEFAULT_RPC_RETRY;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.validate();
    this.client = new ClientConstructor(
      options.address,
      options.credentials ?? grpcCredentials.createInsecure(),
      options.channelOptions,
    );
    this.breaker =
      options.breaker === false
        ? undefined
        : new RollingCircuitBreaker(options.breaker ?? DEFAULT_RPC_BREAKER, this.clock);
  }

  async call<Name extends UnaryMethodName<Definition>>(
    methodName: Name,
    request: RequestOf<Definition[Name]>,
    callOptions: RpcCallOptions = {},
  ): Promise<ResponseOf<Definition[Name]>> {
    const method = this.unaryMethod(methodName) as MethodDefinition<
      RequestOf<Definition[Name]>,
      ResponseOf<Definition[Name]>
    >;
    const startedAtMs = this.clock.nowMs();
    const scope = currentRpcCallScope();
    const ownDeadlineMs = startedAtMs + (callOptions.timeoutMs ?? this.options.defaultTimeoutMs);
    const upstream = callOptions.detached === true ? undefined : scope?.callContext;
    const upstreamDeadlineMs = upstream?.deadlineMs;
    const deadlineMs =
      upstreamDeadlineMs === undefined
        ? ownDeadlineMs
        : Math.min(ownDeadlineMs, upstreamDeadlineMs);
    const signal = combineSignals(upstream?.signal, callOptions.signal);

    // Prefer the active OpenTelemetry context; fall back to the served call's scope so the trace
    // continues even when no context manager is registered in this process.
    const activeContext = otelContext.active();
    const parentContext: Context = hasSpan(activeContext)
      ? activeContext
      : (scope?.traceContext ?? activeContext);
    const span = this.tracer.startSpan(
      method.path,
      { kind: SpanKind.CLIENT, attributes: { 'rpc.system': 'grpc', 'rpc.method': method.path } },
      parentContext,
    );
    // Built once per call: grpc-js copies it per request, so retries and hedges can share it.
    const metadata = callOptions.metadata?.clone() ?? new Metadata();
    injectTraceContext(trace.setSpan(parentContext, span), metadata);

    const counter = { requestCount: 0 };
    const sendOnce = (
      attemptSignal: AbortSignal | undefined,
    ): Promise<ResponseOf<Definition[Name]>> =>
      this.throughBreaker(() => {
        counter.requestCount += 1;
        return this.sendRequest(method, request, metadata, deadlineMs, attemptSignal);
      });
    const hedgeDelayMs = this.options.hedge?.delayMs;
    const sendAttempt =
      hedgeDelayMs !== undefined && this.hedgedMethods.has(methodName)
        ? () => hedge(sendOnce, hedgeDelayMs, signal)
        : () => sendOnce(signal);

    let failure: PlatformError | undefined;
    try {
      const response = await this.withRetries(
        sendAttempt,
        this.idempotentMethods.has(methodName) ? this.retry.attemptCountMax : 1,
        deadlineMs,
        signal,
      );
      return response;
    } catch (error) {
      failure = asPlatformError(error);
      if (span.isRecording()) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: failure.code });
      }
      throw failure;
    } finally {
      span.end();
      this.options.onCallCompleted?.({
        method: method.path,
        durationMs: this.clock.nowMs() - startedAtMs,
        requestCount: counter.requestCount,
        error: failure,
      });
    }
  }

  circuitState(): RpcCircuitState {
    return this.breaker?.currentState() ?? 'closed';
  }

  close(): void {
    this.client.close();
  }

  /**
   * Retries retryable failures with full-jitter exponential backoff, never waiting past the
   * deadline and never retrying a fail-fast from the open circuit (it would only spin).
   */
  private async withRetries<Response>(
    sendAttempt: () => Promise<Response>,
    attemptCountMax: number,
    deadlineMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    let lastError: PlatformError | undefined;
    for (let attempt = 1; attempt <= attemptCountMax; attempt += 1) {
      if (isAborted(signal)) {
        throw abortReason(signal);
      }
      const remainingMs = deadlineMs - this.clock.nowMs();
      if (remainingMs <= 0) {
        throw lastError ?? deadlineExceededError(remainingMs);
      }
      try {
        return await sendAttempt();
      } catch (error) {
        lastError = asPlatformError(error);
        if (
          attempt === attemptCountMax ||
          !lastError.retryable ||
          lastError.code === CIRCUIT_OPEN_CODE ||
          isAborted(signal)
        ) {
          throw lastError;
        }
        const backoffMs = this.backoffMs(attempt);
        if (this.clock.nowMs() + backoffMs >= deadlineMs) {
          throw lastError;
        }
        await sleep(backoffMs, signal);
      }
    }
    throw lastError ?? deadlineExceededError(0);
  }

  private backoffMs(retryNumber: number): number {
    const ceilingMs = Math.min(
      this.retry.backoffMaxMs,
      this.retry.backoffInitialMs * 2 ** (retryNumber - 1),
    );
    return Math.floor(this.random() * ceilingMs);
  }

  private sendRequest<Request, Response>(
    method: MethodDefinition<Request, Response>,
    request: Request,
    metadata: Metadata,
    deadlineMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    return new Promise<Response>((resolve, reject) => {
      if (isAborted(signal)) {
        reject(abortReason(signal));
        return;
      }
      const onAbort = (): void => call.cancel();
      const call = this.client.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        request,
        metadata,
        { deadline: deadlineMs },
        (error, response) => {
          signal?.removeEventListener('abort', onAbort);
          if (error !== null) {
            reject(isAborted(signal) ? abortReason(signal) : platformErrorFromServiceError(error));
            return;
          }
          if (response === undefined) {
            reject(
              new PlatformError('internal.rpc_empty_response', 'the call returned no message', {
                retryable: false,
                params: { method: method.path },
              }),
            );
            return;
          }
          resolve(response);
        },
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async throughBreaker<Response>(attempt: () => Promise<Response>): Promise<Response> {
    const breaker = this.breaker;
    if (breaker === undefined) {
      return attempt();
    }
    if (!breaker.tryAcquire()) {
      throw new PlatformError(CIRCUIT_OPEN_CODE, 'the circuit to the service is open', {
        retryable: true,
        params: { address: this.options.address },
      });
    }
    try {
      const response = await attempt();
      breaker.record('success');
      return response;
    } catch (error) {
      breaker.record(breakerOutcomeOf(error));
      throw error;
    }
  }

  private unaryMethod(name: string): MethodDefinition<unknown, unknown> {
    const method = (
      this.definition as Record<string, MethodDefinition<unknown, unknown> | undefined>
    )[name];
    if (method === undefined || method.requestStream || method.responseStream) {
      throw new PlatformError('invalid.rpc_client_config', 'not a unary method of this service', {
        retryable: false,
        params: { method: name },
      });
    }
    return method;
  }

  private validate(): void {
    const invalid = (reason: string): PlatformError =>
      new PlatformError('invalid.rpc_client_config', reason, {
        retryable: false,
        params: { address: this.options.address },
      });
    for (const name of [...this.idempotentMethods, ...this.hedgedMethods]) {
      this.unaryMethod(name);
    }
    for (const name of this.hedgedMethods) {
      if (!this.idempotentMethods.has(name)) {
        throw invalid(`hedged method ${name} must be idempotent`);
      }
    }
    if (!(this.options.defaultTimeoutMs > 0)) {
      throw invalid('defaultTimeoutMs must be positive');
    }
    if (!Number.isInteger(this.retry.attemptCountMax) || this.retry.attemptCountMax < 1) {
      throw invalid('retry.attemptCountMax must be an integer >= 1');
    }
    if (this.options.hedge !== undefined && !(this.options.hedge.delayMs >= 0)) {
      throw invalid('hedge.delayMs must be >= 0');
    }
  }
}

/**
 * Sends a request, and a second copy when the first has not answered after `delayMs` (or as soon
 * as the first fails retryably). The first success wins and the other copy is cancelled, which
 * aborts its handler's signal on the server. A non-retryable failure ends the race at once.
 */
function hedge<Response>(
  send: (signal: AbortSignal) => Promise<Response>,
  delayMs: number,
  parentSignal: AbortSignal | undefined,
): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const controllers: AbortController[] = [];
    let pendingCount = 0;
    let settled = false;

    // Created before the first request: settle() may clear it from any later callback.
    const hedgeTimer = setTimeout(() => {
      if (!settled && controllers.length < HEDGE_REQUEST_COUNT_MAX) {
        start();
      }
    }, delayMs);

    const settle = (): void => {
      settled = true;
      clearTimeout(hedgeTimer);
      const lost = new PlatformError(
        CALL_CANCELLED_CODE,
        'the other hedged request answered first',
        {
          retryable: false,
        },
      );
      for (const controller of controllers) {
        controller.abort(lost);
      }
    };

    const start = (): void => {
      const controller = new AbortController();
      controllers.push(controller);
      pendingCount += 1;
      send(
        parentSignal === undefined
          ? controller.signal
          : AbortSignal.any([parentSignal, controller.signal]),
      ).then(
        (response) => {
          pendingCount -= 1;
          if (!settled) {
            settle();
            resolve(response);
          }
        },
        (error: unknown) => {
          pendingCount -= 1;
          if (settled) {
            return;
          }
          const failure = asPlatformError(error);
          if (failure.retryable && controllers.length < HEDGE_REQUEST_COUNT_MAX) {
            clearTimeout(hedgeTimer);
            start();
            return;
          }
          if (!failure.retryable || pendingCount === 0) {
            settle();
            reject(failure);
          }
        },
      );
    };

    start();
  });
}

/** Undefined when neither is given, so a plain call allocates no signal and adds no listener. */
function combineSignals(
  upstream: AbortSignal | undefined,
  own: AbortSignal | undefined,
): AbortSignal | undefined {
  if (upstream === undefined || own === undefined) {
    return upstream ?? own;
  }
  return AbortSignal.any([upstream, own]);
}

/**
 * Business answers say nothing about the server's health (they prove it answered), and our own
 * cancellations say nothing at all.
 */
function breakerOutcomeOf(error: unknown): BreakerOutcome {
  if (!isPlatformError(error)) {
    return 'failure';
  }
  if (error.code === CALL_CANCELLED_CODE) {
    return 'neutral';
  }
  return CATEGORIES_NOT_COUNTED_BY_BREAKER.has(error.category) ? 'success' : 'failure';
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function abortReason(signal: AbortSignal | undefined): PlatformError {
  const reason: unknown = signal?.reason;
  return reason instanceof PlatformError
    ? reason
    : new PlatformError(CALL_CANCELLED_CODE, 'the call was cancelled by its caller', {
        retryable: false,
      });
}

function asPlatformError(error: unknown): PlatformError {
  return isPlatformError(error)
    ? error
    : new PlatformError('internal.rpc_client_failure', 'the call failed in the client', {
        retryable: false,
        cause: error,
      });
}

function sleep(delayMs: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, delayMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
