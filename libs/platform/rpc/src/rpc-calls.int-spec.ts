import { Metadata } from '@grpc/grpc-js';

import { PlatformError } from '@corebank/platform-errors';
import { freePort } from '@corebank/testing-engines';

import { abortedWithin, delay, ProbeFixture, probeResponse } from '../test/probe-fixture';
import { assertTimeRemaining, currentRpcCallContext, type RpcServerCallEvent } from './index';

const fixture = new ProbeFixture();
afterEach(() => fixture.stopAll());

const request = () => ({ text: '', amountMinor: 0n });
const unusedRelay = (): Promise<never> =>
  Promise.reject(
    new PlatformError('internal.not_used', 'relay is not used here', { retryable: false }),
  );

describe('RpcServer and RpcClient over a real grpc-js connection', () => {
  it('round-trips typed messages, bigint amounts and request metadata', async () => {
    const address = await fixture.startServer({
      probe: (request, context) =>
        Promise.resolve(
          probeResponse({
            text: `${request.text}|${String(context.metadata.get('x-request-tag')[0])}`,
            amountMinor: request.amountMinor * 2n,
          }),
        ),
      relay: unusedRelay,
    });
    const sut = fixture.client(address, { defaultTimeoutMs: 2_000 });
    const metadata = new Metadata();
    metadata.set('x-request-tag', 'tag-1');

    const response = await sut.call(
      'probe',
      { text: 'hello', amountMinor: 9_007_199_254_740_993n },
      { metadata },
    );

    expect(response.text).toBe('hello|tag-1');
    expect(response.amountMinor).toBe(18_014_398_509_481_986n);
  });

  it('keeps the generated types end to end', async () => {
    const address = await fixture.startServer({
      probe: (request) => Promise.resolve(probeResponse({ text: request.text })),
      relay: unusedRelay,
    });
    const sut = fixture.client(address, { defaultTimeoutMs: 2_000 });
    // @ts-expect-error: no such method on ProbeService
    await expect(sut.call('missing', { text: '', amountMinor: 0n })).rejects.toMatchObject({
      code: 'invalid.rpc_client_config',
    });
    // @ts-expect-error: amountMinor is a bigint, not a number
    const wrongRequest: Parameters<typeof sut.call<'probe'>>[1] = { text: '', amountMinor: 1 };
    expect(wrongRequest.text).toBe('');
  });

  it('sends a PlatformError with its code, message, params and retryable flag', async () => {
    const address = await fixture.startServer({
      probe: () =>
        Promise.reject(
          new PlatformError('conflict.idempotency_key_reused', 'same key, different input', {
            retryable: false,
            params: { idempotencyKey: 'k-1', attempt: 2 },
            cause: new Error('secret cause text'),
          }),
        ),
      relay: unusedRelay,
    });
    const sut = fixture.client(address, { defaultTimeoutMs: 2_000 });

    const error = await sut.call('probe', { text: '', amountMinor: 0n }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PlatformError);
    const platformError = error as PlatformError;
    expect(platformError.code).toBe('conflict.idempotency_key_reused');
    expect(platformError.message).toBe('same key, different input');
    expect(platformError.params).toEqual({ idempotencyKey: 'k-1', attempt: 2 });
    expect(platformError.retryable).toBe(false);
    expect(JSON.stringify(platformError.cause)).not.toContain('secret cause text');
  });

  it('keeps messages and params with non-ASCII, newlines and percent signs intact on the wire', async () => {
    const message = 'Café déclin 100% \n second line ✓';
    const address = await fixture.startServer({
      probe: () =>
        Promise.reject(
          new PlatformError('invalid.merchant_name', message, {
            retryable: false,
            params: { merchant: 'Zürich Kaffee ☕', note: 'a\nb' },
          }),
        ),
      relay: unusedRelay,
    });
    const sut = fixture.client(address, { defaultTimeoutMs: 2_000 });

    await expect(sut.call('probe', request())).rejects.toMatchObject({
      code: 'invalid.merchant_name',
      message,
      params: { merchant: 'Zürich Kaffee ☕', note: 'a\nb' },
    });
  });

  it('answers INTERNAL, not a hang, when the response cannot be encoded', async () => {
    const address = await fixture.startServer({
      // uint64 cannot hold a negative amount: encoding fails after the handler resolved.
      probe: () => Promise.resolve(probeResponse({ amountMinor: -1n })),
      relay: unusedRelay,
    });
    const sut = fixture.client(address, { defaultTimeoutMs: 5_000 });

    await expect(sut.call('probe', request())).rejects.toMatchObject({
      code: 'internal.rpc_failed',
      params: { grpcStatus: 'INTERNAL' },
    });
  });

  it('answers an unexpected exception with INTERNAL and a generic message, no stack', async () => {
    const events: RpcServerCallEvent[] = [];
    const address = await fixture.startServer(
      {
        probe: () => {
          throw new TypeError('card 4111111111111111 broke at line 42');
        },
        relay: unusedRelay,
      },
      { onCallCompleted: (event) => events.push(event) },
    );
    const sut = fixture.client(address, { defaultTimeoutMs: 2_000 });

    const error = (await sut
      .call('probe', { text: '', amountMinor: 0n })
      .catch((e: unknown) => e)) as PlatformError;

    expect(error.code).toBe('internal.unexpected');
    expect(error.message).toBe('internal error');
    const wire = error.cause as { details: string; metadata: Metadata };
    expect(wire.details).toBe('internal error');
    expect(JSON.stringify(wire.metadata.getMap())).not.toMatch(/4111|TypeError|line 42/);
    expect(events).toHaveLength(1);
    expect(events[0].error).toBeInstanceOf(TypeError);
  });

  it('gives the handler the caller deadline and an unaborted signal', async () => {
    const address = await fixture.startServer({
      probe: (_request, context) =>
        Promise.resolve(
          probeResponse({
            remainingMs: BigInt(Math.round(context.remainingMs())),
            text: String(context.signal.aborted),
          }),
        ),
      relay: unusedRelay,
    });
    const sut = fixture.client(address, { defaultTimeoutMs: 60_000 });

    const response = await sut.call('probe', { text: '', amountMinor: 0n }, { timeoutMs: 5_000 });

    expect(response.remainingMs).toBeGreaterThan(0n);
    expect(response.remainingMs).toBeLessThanOrEqual(5_000n);
    expect(response.text).toBe('false');
  });

  it('caps a downstream call with the remaining upstream deadline', async () => {
    const downstream = await fixture.startServer({
      probe: (_request, context) =>
        Promise.resolve(probeResponse({ remainingMs: BigInt(Math.round(context.remainingMs())) })),
      relay: unusedRelay,
    });
    const downstreamClient = fixture.client(downstream, { defaultTimeoutMs: 60_000 });
    const upstream = await fixture.startServer({
      probe: unusedRelay,
      relay: (request) => downstreamClient.call('probe', request),
    });
    const sut = fixture.client(upstream, { defaultTimeoutMs: 60_000 });

    const response = await sut.call('relay', { text: '', amountMinor: 0n }, { timeoutMs: 5_000 });

    // Without propagation the downstream would see its own 60 s default.
    expect(response.remainingMs).toBeGreaterThan(0n);
    expect(response.remainingMs).toBeLessThanOrEqual(5_000n);
  });

  it('does not send a downstream call once the upstream deadline is spent', async () => {
    let downstreamCallCount = 0;
    const downstream = await fixture.startServer({
      probe: () => {
        downstreamCallCount += 1;
        return Promise.resolve(probeResponse({}));
      },
      relay: unusedRelay,
    });
    const downstreamClient = fixture.client(downstream, { defaultTimeoutMs: 60_000 });
    const relayOutcome: { error?: unknown } = {};
    const relayDone = new Promise<void>((resolve) => {
      void fixture
        .startServer({
          probe: unusedRelay,
          relay: async (request, context) => {
            await abortedWithin(context.signal, 5_000);
            try {
              return await downstreamClient.call('probe', request);
            } catch (error) {
              relayOutcome.error = error;
              throw error;
            } finally {
              resolve();
            }
          },
        })
        .then((upstream) =>
          fixture
            .client(upstream, { defaultTimeoutMs: 60_000 })
            .call('relay', { text: '', amountMinor: 0n }, { timeoutMs: 100 })
            .catch((error: unknown) => error),
        );
    });

    await relayDone;

    expect(relayOutcome.error).toMatchObject({ code: 'timeout.deadline_exceeded' });
    expect(downstreamCallCount).toBe(0);
  });

  it('runs a detached call after the upstream deadline passed, with its own timeout', async () => {
    const downstream = await fixture.startServer({
      probe: (_request, context) =>
        Promise.resolve(probeResponse({ remainingMs: BigInt(Math.round(context.remainingMs())) })),
      relay: unusedRelay,
    });
    const downstreamClient = fixture.client(downstream, { defaultTimeoutMs: 60_000 });
    let compensation: Promise<unknown> | undefined;
    const upstream = await fixture.startServer({
      probe: unusedRelay,
      relay: async (relayed, context) => {
        await abortedWithin(context.signal, 5_000);
        compensation = downstreamClient.call('probe', relayed, {
          detached: true,
          timeoutMs: 3_000,
        });
        return probeResponse({});
      },
    });
    const sut = fixture.client(upstream, { defaultTimeoutMs: 60_000 });

    await expect(sut.call('relay', request(), { timeoutMs: 100 })).rejects.toMatchObject({
      code: 'timeout.deadline_exceeded',
    });
    for (let wait = 0; wait < 100 && compensation === undefined; wait += 1) {
      await delay(20);
    }

    const response = (await compensation) as { remainingMs: bigint };
    expect(response.remainingMs).toBeGreaterThan(100n);
    expect(response.remainingMs).toBeLessThanOrEqual(3_000n);
  });

  it('aborts the handler signal when the deadline passes and tells the client', async () => {
    let handlerAbortReason: Promise<unknown> | undefined;
    const address = await fixture.startServer({
      probe: (_request, context) => {
        handlerAbortReason = abortedWithin(context.signal, 5_000);
        return handlerAbortReason.then(() => probeResponse({}));
      },
      relay: unusedRelay,
    });
    const sut = fixture.client(address, { defaultTimeoutMs: 150 });

    await expect(sut.call('probe', { text: '', amountMinor: 0n })).rejects.toMatchObject({
      code: 'timeout.deadline_exceeded',
    });
    await expect(handlerAbortReason).resolves.toMatchObject({ code: 'timeout.deadline_exceeded' });
  });

  it('aborts the handler signal when the client cancels', async () => {
    let handlerAbortReason: Promise<unknown> | undefined;
    let handlerStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (handlerStarted = resolve));
    const address = await fixture.startServer({
      probe: (_request, context) => {
        handlerAbortReason = abortedWithin(context.signal, 5_000);
        handlerStarted();
        return handlerAbortReason.then(() => probeResponse({}));
      },
      relay: unusedRelay,
    });
    const sut = fixture.client(address, { defaultTimeoutMs: 10_000 });
    const controller = new AbortController();

    const call = sut.call('probe', { text: '', amountMinor: 0n }, { signal: controller.signal });
    await started;
    controller.abort();

    await expect(call).rejects.toMatchObject({ code: 'unavailable.call_cancelled' });
    await expect(handlerAbortReason).resolves.toMatchObject({ code: 'unavailable.call_cancelled' });
  });

  it('passes a cancel on to the calls the handler made downstream', async () => {
    let downstreamAbortReason: Promise<unknown> | undefined;
    let downstreamStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (downstreamStarted = resolve));
    const downstream = await fixture.startServer({
      probe: (_request, context) => {
        downstreamAbortReason = abortedWithin(context.signal, 5_000);
        downstreamStarted();
        return downstreamAbortReason.then(() => probeResponse({}));
      },
      relay: unusedRelay,
    });
    const downstreamClient = fixture.client(downstream, { defaultTimeoutMs: 10_000 });
    const upstream = await fixture.startServer({
      probe: unusedRelay,
      relay: (relayed) => downstreamClient.call('probe', relayed),
    });
    const sut = fixture.client(upstream, { defaultTimeoutMs: 10_000 });
    const controller = new AbortController();

    const call = sut.call('relay', request(), { signal: controller.signal });
    await started;
    controller.abort();

    await expect(call).rejects.toMatchObject({ code: 'unavailable.call_cancelled' });
    await expect(downstreamAbortReason).resolves.toMatchObject({
      code: 'unavailable.call_cancelled',
    });
  });

  it('lets a handler refuse work it has no time for (assertTimeRemaining)', async () => {
    const address = await fixture.startServer({
      probe: (_request, context) => {
        assertTimeRemaining(context, 10_000);
        return Promise.resolve(probeResponse({ text: 'committed' }));
      },
      relay: unusedRelay,
    });
    const sut = fixture.client(address, { defaultTimeoutMs: 500 });

    await expect(sut.call('probe', { text: '', amountMinor: 0n })).rejects.toMatchObject({
      code: 'timeout.deadline_exceeded',
      retryable: false,
    });
  });

  it('exposes the served call context through AsyncLocalStorage', async () => {
    const address = await fixture.startServer({
      probe: async () => {
        await delay(1);
        return probeResponse({ text: currentRpcCallContext()?.method ?? 'none' });
      },
      relay: unusedRelay,
    });
    const sut = fixture.client(address, { defaultTimeoutMs: 2_000 });

    const response = await sut.call('probe', { text: '', amountMinor: 0n });

    expect(response.text).toBe('/corebank.rpctest.v1.ProbeService/Probe');
    expect(currentRpcCallContext()).toBeUndefined();
  });

  it('carries the caller traceparent to the next hop without any tracer registered', async () => {
    const downstream = await fixture.startServer({
      probe: (_request, context) =>
        Promise.resolve(probeResponse({ traceparent: context.traceparent ?? '' })),
      relay: unusedRelay,
    });
    const downstreamClient = fixture.client(downstream, { defaultTimeoutMs: 5_000 });
    const upstream = await fixture.startServer({
      probe: unusedRelay,
      relay: (request) => downstreamClient.call('probe', request),
    });
    const sut = fixture.client(upstream, { defaultTimeoutMs: 5_000 });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const metadata = new Metadata();
    metadata.set('traceparent', `00-${traceId}-00f067aa0ba902b7-01`);

    const response = await sut.call('relay', { text: '', amountMinor: 0n }, { metadata });

    expect(response.traceparent.split('-')[1]).toBe(traceId);
  });

  it('reports an unreachable server as retryable unavailable', async () => {
    const sut = fixture.client(`127.0.0.1:${await freePort()}`, {
      defaultTimeoutMs: 2_000,
      breaker: false,
    });

    await expect(sut.call('probe', { text: '', amountMinor: 0n })).rejects.toMatchObject({
      code: 'unavailable.rpc_unreachable',
      retryable: true,
    });
  });

  it('refuses calls beyond concurrentCallCountMax as retryable exhausted', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let startedCount = 0;
    let bothStarted: () => void = () => undefined;
    const twoRunning = new Promise<void>((resolve) => (bothStarted = resolve));
    const address = await fixture.startServer(
      {
        probe: async () => {
          startedCount += 1;
          if (startedCount === 2) {
            bothStarted();
          }
          await gate;
          return probeResponse({ text: 'served' });
        },
        relay: unusedRelay,
      },
      { concurrentCallCountMax: 2 },
    );
    const sut = fixture.client(address, { defaultTimeoutMs: 5_000 });

    const running = [sut.call('probe', request()), sut.call('probe', request())];
    await twoRunning;
    const refused = await sut.call('probe', request()).catch((e: unknown) => e);
    release();

    expect(refused).toMatchObject({ code: 'exhausted.rpc_server_busy', retryable: true });
    await expect(Promise.all(running)).resolves.toHaveLength(2);
    await expect(sut.call('probe', request())).resolves.toMatchObject({ text: 'served' });
  });

  it('cancels calls still running when the shutdown grace period ends', async () => {
    let handlerAbortReason: Promise<unknown> | undefined;
    let handlerStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (handlerStarted = resolve));
    const { address, server } = await fixture.startServerWithHandle({
      probe: (_request, context) => {
        handlerAbortReason = abortedWithin(context.signal, 5_000);
        handlerStarted();
        return handlerAbortReason.then(() => probeResponse({}));
      },
      relay: unusedRelay,
    });
    const sut = fixture.client(address, { defaultTimeoutMs: 10_000 });

    const call = sut.call('probe', { text: '', amountMinor: 0n }).catch((e: unknown) => e);
    await started;
    await server.shutdown(100);

    await expect(handlerAbortReason).resolves.toBeInstanceOf(PlatformError);
    expect(await call).toBeInstanceOf(PlatformError);
  });
});
