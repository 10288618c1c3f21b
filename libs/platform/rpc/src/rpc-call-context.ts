import { AsyncLocalStorage } from 'node:async_hooks';

import type { Metadata } from '@grpc/grpc-js';
import type { Context } from '@opentelemetry/api';

import { PlatformError } from '@corebank/platform-errors';

/**
 * What a handler knows about the call it serves. The same object is reachable from anywhere in
 * the handler's async call tree through `currentRpcCallContext()`, which is how outgoing calls
 * inherit the deadline, the cancellation signal and the trace context without passing them by hand.
 */
export interface RpcCallContext {
  /** Full gRPC path, e.g. `/corebank.ledger.v1.LedgerService/PostTransfer`. */
  readonly method: string;
  /** The caller's deadline as epoch milliseconds; undefined when the caller set none. */
  readonly deadlineMs: number | undefined;
  /** Milliseconds left before the deadline (never negative); Infinity when there is none. */
  remainingMs(): number;
  /** The W3C traceparent the caller sent, if any. */
  readonly traceparent: string | undefined;
  /**
   * Aborted when the caller cancels, the deadline passes or the server shuts down. The reason is
   * a PlatformError (`timeout.deadline_exceeded` or `unavailable.call_cancelled`).
   */
  readonly signal: AbortSignal;
  /** The incoming request metadata (read-only by convention). */
  readonly metadata: Metadata;
}

/** @internal What the server stores per call; the OpenTelemetry context travels beside it. */
export interface RpcCallScope {
  readonly callContext: RpcCallContext;
  readonly traceContext: Context;
}

const callScopeStorage = new AsyncLocalStorage<RpcCallScope>();

/** @internal Runs `work` with `scope` as the current call (used by the server only). */
export function runInRpcCallScope<Result>(scope: RpcCallScope, work: () => Result): Result {
  return callScopeStorage.run(scope, work);
}

/** @internal The scope of the call being served, if any. */
export function currentRpcCallScope(): RpcCallScope | undefined {
  return callScopeStorage.getStore();
}

/** The context of the gRPC call being served by the current async call tree, if any. */
export function currentRpcCallContext(): RpcCallContext | undefined {
  return callScopeStorage.getStore()?.callContext;
}

/**
 * Throws unless at least `neededMs` remain before the call's deadline and the call is still
 * wanted. Handlers call it before starting expensive work and again before committing, so a
 * late request never commits something its caller has already given up on (ARCHITECTURE §5).
 *
 * @throws PlatformError `timeout.deadline_exceeded` (not retryable: the budget is spent) when
 *   fewer than `neededMs` remain, or the signal's reason when the call was cancelled.
 */
export function assertTimeRemaining(context: RpcCallContext, neededMs: number): void {
  if (context.signal.aborted) {
    const reason: unknown = context.signal.reason;
    throw reason instanceof PlatformError ? reason : deadlineExceededError(context.remainingMs());
  }
  const remainingMs = context.remainingMs();
  if (remainingMs < neededMs) {
    throw deadlineExceededError(remainingMs, neededMs);
  }
}

/** @internal */
export function deadlineExceededError(remainingMs: number, neededMs?: number): PlatformError {
  const params: Record<string, number> = {
    remainingMs: Number.isFinite(remainingMs) ? Math.floor(remainingMs) : -1,
  };
  if (neededMs !== undefined) {
    params.neededMs = neededMs;
  }
  return new PlatformError(
    'timeout.deadline_exceeded',
    'not enough time left before the deadline',
    {
      retryable: false,
      params,
    },
  );
}
