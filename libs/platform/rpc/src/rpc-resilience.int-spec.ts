import { PlatformError } from '@corebank/platform-errors';

import { abortedWithin, delay, ProbeFixture, probeResponse } from '../test/probe-fixture';
import type { RpcClientCallEvent } from './index';

const fixture = new ProbeFixture();
afterEach(() => fixture.stopAll());

const unusedRelay = (): Promise<never> =>
  Promise.reject(
    new PlatformError('internal.not_used', 'relay is not used here', { retryable: false }),
  );
const request = { text: '', amountMinor: 0n };
const fastRetry = { attemptCountMax: 5, backoffInitialMs: 5, backoffMaxMs: 20 };

/** A server whose Probe fails with `error` for the first `failureCount` calls, then answers. */
async function flakyServer(
  failureCount: number,
  error: () => PlatformError,
): Promise<{ address: string; callCount: () => number }> {
  let calls = 0;
  const address = await fixture.startServer({
    probe: () => {
      calls += 1;
      return calls <= failureCount
        ? Promise.reject(error())
        : Promise.resolve(probeResponse({ text: `answered on call ${calls}` }));
    },
    relay: unusedRelay,
  });
  return { address, callCount: () => calls };
}

const unavailable = (): PlatformError =>
  new PlatformError('unavailable.store_down', 'store down', { retryable: true });

describe('retries', () => {
  it('retries an idempotent method on retryable errors until it answers', async () => {
    const server = await flakyServer(2, unavailable);
    const events: RpcClientCallEvent[] = [];
    const sut = fixture.client(server.address, {
      defaultTimeoutMs: 5_000,
      idempotentMethods: ['probe'],
      retry: fastRetry,
      onCallCompleted: (event) => events.push(event),
    });

    const response = await sut.call('probe', request);

    expect(response.text).toBe('answered on call 3');
    expect(server.callCount()).toBe(3);
    expect(events).toEqual([expect.objectContaining({ requestCount: 3, error: undefined })]);
  });

  it('never retries a method that is not marked idempotent', async () => {
    const server = await flakyServer(2, unavailable);
    const sut = fixture.client(server.address, { defaultTimeoutMs: 5_000, retry: fastRetry });

    await expect(sut.call('probe', request)).rejects.toMatchObject({
      code: 'unavailable.store_down',
    });
    expect(server.callCount()).toBe(1);
  });

  it('does not retry a non-retryable error', async () => {
    const server = await flakyServer(
      2,
      () => new PlatformError('invalid.currency', 'unknown currency', { retryable: false }),
    );
    const sut = fixture.client(server.address, {
      defaultTimeoutMs: 5_000,
      idempotentMethods: ['probe'],
      retry: fastRetry,
    });

    await expect(sut.call('probe', request)).rejects.toMatchObject({ code: 'invalid.currency' });
    expect(server.callCount()).toBe(1);
  });

  it('stops at attemptCountMax', async () => {
    const server = await flakyServer(100, unavailable);
    const sut = fixture.client(server.address, {
      defaultTimeoutMs: 5_000,
      idempotentMethods: ['probe'],
      retry: { attemptCountMax: 4, backoffInitialMs: 1, backoffMaxMs: 2 },
      breaker: false,
    });

    await expect(sut.call('probe', request)).rejects.toMatchObject({
      code: 'unavailable.store_down',
    });
    expect(server.callCount()).toBe(4);
  });

  it('does not start a backoff that would end past the deadline', async () => {
    const server = await flakyServer(100, unavailable);
    const sut = fixture.client(server.address, {
      defaultTimeoutMs: 1_500,
      idempotentMethods: ['probe'],
      // Jitter pinned near the ceiling: each backoff is ~600 ms, so at most 3 sends fit in 1.5 s;
      // without the deadline check the 100 attempts would keep going.
      retry: { attemptCountMax: 100, backoffInitialMs: 600, backoffMaxMs: 600 },
      random: () => 0.999,
      breaker: false,
    });

    await expect(sut.call('probe', request)).rejects.toMatchObject({
      code: 'unavailable.store_down',
    });
    expect(server.callCount()).toBeGreaterThanOrEqual(1);
    expect(server.callCount()).toBeLessThanOrEqual(3);
  });
});

describe('circuit breaker', () => {
  const breaker = {
    openAtFailurePercent: 50,
    windowMs: 10_000,
    windowBucketCount: 10,
    callCountMin: 4,
    openDurationMs: 300,
  };

  it('opens after the failure rate is crossed, fails fast, half-opens and closes again', async () => {
    let healthy = false;
    let calls = 0;
    const address = await fixture.startServer({
      probe: () => {
        calls += 1;
        return healthy
          ? Promise.resolve(probeResponse({ text: 'ok' }))
          : Promise.reject(unavailable());
      },
      relay: unusedRelay,
    });
    const sut = fixture.client(address, { defaultTimeoutMs: 2_000, breaker });

    for (let index = 0; index < 4; index += 1) {
      await expect(sut.call('probe', request)).rejects.toMatchObject({
        code: 'unavailable.store_down',
      });
    }
    expect(sut.circuitState()).toBe('open');

    const failFast = await sut.call('probe', request).catch((e: unknown) => e);
    expect(failFast).toMatchObject({ code: 'unavailable.circuit_open', retryable: true });
    expect(calls).toBe(4);

    healthy = true;
    for (let wait = 0; wait < 100 && sut.circuitState() !== 'half_open'; wait += 1) {
      await delay(20);
    }
    expect(sut.circuitState()).toBe('half_open');
    await expect(sut.call('probe', request)).resolves.toMatchObject({ text: 'ok' });
    expect(sut.circuitState()).toBe('closed');
  });

  it('does not count business answers (invalid, not found, conflict) as failures', async () => {
    const server = await flakyServer(
      100,
      () => new PlatformError('not_found.account', 'no such account', { retryable: false }),
    );
    const sut = fixture.client(server.address, { defaultTimeoutMs: 2_000, breaker });

    for (let index = 0; index < 8; index += 1) {
      await expect(sut.call('probe', request)).rejects.toMatchObject({
        code: 'not_found.account',
      });
    }
    expect(sut.circuitState()).toBe('closed');
    expect(server.callCount()).toBe(8);
  });

  it('is not retried into while open', async () => {
    const server = await flakyServer(100, unavailable);
    const sut = fixture.client(server.address, {
      defaultTimeoutMs: 2_000,
      idempotentMethods: ['probe'],
      retry: { attemptCountMax: 10, backoffInitialMs: 1, backoffMaxMs: 2 },
      breaker: { ...breaker, openDurationMs: 60_000 },
    });

    await expect(sut.call('probe', request)).rejects.toMatchObject({
      code: 'unavailable.circuit_open',
    });
    // callCountMin sends fail, then the open circuit ends the retry loop at once.
    expect(server.callCount()).toBe(4);
  });
});

describe('hedging', () => {
  it('sends a second request after the delay, takes the first answer and cancels the loser', async () => {
    let calls = 0;
    let loserAbortReason: Promise<unknown> | undefined;
    const address = await fixture.startServer({
      probe: (_request, context) => {
        calls += 1;
        if (calls === 1) {
          loserAbortReason = abortedWithin(context.signal, 5_000);
          return loserAbortReason.then(() => probeResponse({ servedBy: 'first' }));
        }
        return Promise.resolve(probeResponse({ servedBy: 'second' }));
      },
      relay: unusedRelay,
    });
    const events: RpcClientCallEvent[] = [];
    const sut = fixture.client(address, {
      defaultTimeoutMs: 5_000,
      idempotentMethods: ['probe'],
      hedge: { methods: ['probe'], delayMs: 30 },
      onCallCompleted: (event) => events.push(event),
    });

    const response = await sut.call('probe', request);

    expect(response.servedBy).toBe('second');
    await expect(loserAbortReason).resolves.toMatchObject({ code: 'unavailable.call_cancelled' });
    expect(calls).toBe(2);
    expect(events[0]).toMatchObject({ requestCount: 2, error: undefined });
  });

  it('sends only one request when the first answers within the delay', async () => {
    const server = await flakyServer(0, unavailable);
    const sut = fixture.client(server.address, {
      defaultTimeoutMs: 5_000,
      idempotentMethods: ['probe'],
      hedge: { methods: ['probe'], delayMs: 2_000 },
    });

    await expect(sut.call('probe', request)).resolves.toMatchObject({ text: 'answered on call 1' });
    expect(server.callCount()).toBe(1);
  });

  it('sends the hedge at once when the first request fails retryably', async () => {
    const server = await flakyServer(1, unavailable);
    const sut = fixture.client(server.address, {
      defaultTimeoutMs: 3_000,
      idempotentMethods: ['probe'],
      retry: { attemptCountMax: 1, backoffInitialMs: 1, backoffMaxMs: 1 },
      // The hedge delay is longer than the whole deadline: only an immediate hedge can answer.
      hedge: { methods: ['probe'], delayMs: 20_000 },
    });

    await expect(sut.call('probe', request)).resolves.toMatchObject({ text: 'answered on call 2' });
  });

  it('refuses to hedge a method that is not idempotent', () => {
    const error = (() => {
      try {
        fixture.client('127.0.0.1:1', {
          defaultTimeoutMs: 1_000,
          hedge: { methods: ['probe'], delayMs: 10 },
        });
        return undefined;
      } catch (caught) {
        return caught;
      }
    })();

    expect(error).toMatchObject({ code: 'invalid.rpc_client_config' });
  });
});
