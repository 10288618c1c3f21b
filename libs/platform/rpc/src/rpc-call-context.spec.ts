import { Metadata } from '@grpc/grpc-js';

import { PlatformError } from '@corebank/platform-errors';

import { assertTimeRemaining, type RpcCallContext } from './rpc-call-context';

function contextWith(remainingMs: number, abortReason?: unknown): RpcCallContext {
  const controller = new AbortController();
  if (abortReason !== undefined) {
    controller.abort(abortReason);
  }
  return {
    method: '/corebank.test.v1.Test/Do',
    deadlineMs: Number.isFinite(remainingMs) ? 1_000 + remainingMs : undefined,
    remainingMs: () => remainingMs,
    traceparent: undefined,
    signal: controller.signal,
    metadata: new Metadata(),
  };
}

describe('assertTimeRemaining', () => {
  it('passes when enough time remains, or when there is no deadline', () => {
    expect(() => assertTimeRemaining(contextWith(50), 50)).not.toThrow();
    expect(() => assertTimeRemaining(contextWith(Infinity), 1_000_000)).not.toThrow();
  });

  it('throws timeout.deadline_exceeded, not retryable, when too little time remains', () => {
    const error = (() => {
      try {
        assertTimeRemaining(contextWith(49), 50);
        return undefined;
      } catch (caught) {
        return caught;
      }
    })();

    expect(error).toBeInstanceOf(PlatformError);
    expect(error).toMatchObject({
      code: 'timeout.deadline_exceeded',
      retryable: false,
      params: { remainingMs: 49, neededMs: 50 },
    });
  });

  it('throws the abort reason of a cancelled call even with time left', () => {
    const reason = new PlatformError('unavailable.call_cancelled', 'gone', { retryable: false });

    expect(() => assertTimeRemaining(contextWith(10_000, reason), 1)).toThrow(reason);
  });
});
