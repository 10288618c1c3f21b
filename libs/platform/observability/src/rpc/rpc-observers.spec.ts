import { Writable } from 'node:stream';

import { status as GrpcStatus } from '@grpc/grpc-js';

import { PlatformError } from '@corebank/platform-errors';

import { createLogger } from '../logging/logger';
import { createMetricsRegistry } from '../metrics/metrics';
import { observeRpcClientCalls, observeRpcServerCalls } from './rpc-observers';

function setup() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  return {
    registry: createMetricsRegistry({ service: 'ledger', processMetrics: false }),
    logger: createLogger({ service: 'ledger', level: 'debug', destination }),
    lines,
  };
}

const METHOD = '/corebank.ledger.v1.LedgerService/CreateTransfers';

describe('rpc observers', () => {
  it('record server calls by outcome category and log by severity', async () => {
    const { registry, logger, lines } = setup();
    const sut = observeRpcServerCalls(registry, logger);

    sut({
      method: METHOD,
      durationMs: 3,
      status: GrpcStatus.OK,
      error: undefined,
      abandoned: false,
    });
    sut({
      method: METHOD,
      durationMs: 4,
      status: GrpcStatus.INTERNAL,
      error: new TypeError('card 4111111111111111 broke'),
      abandoned: false,
    });
    sut({
      method: METHOD,
      durationMs: 5,
      status: GrpcStatus.NOT_FOUND,
      error: new PlatformError('not_found.account', 'no account', { retryable: false }),
      abandoned: false,
    });
    sut({
      method: METHOD,
      durationMs: 80,
      status: GrpcStatus.UNAVAILABLE,
      error: new PlatformError('unavailable.store', 'store down', { retryable: true }),
      abandoned: false,
    });

    const text = await registry.metrics();
    for (const outcome of ['ok', 'internal', 'not_found', 'unavailable']) {
      expect(text).toContain(
        `rpc_server_call_duration_ms_count{service="ledger",method="${METHOD}",outcome="${outcome}"} 1`,
      );
    }
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      ['debug', 'rpc server call answered'],
      ['error', 'rpc server call failed unexpectedly'],
      ['debug', 'rpc server call answered with an error'],
      ['warn', 'rpc server call degraded'],
    ]);
    expect(JSON.stringify(lines)).not.toContain('4111111111111111');
  });

  it('count every request a client call sent, retries and hedges included', async () => {
    const { registry, logger } = setup();
    const sut = observeRpcClientCalls(registry, logger);

    sut({ method: METHOD, durationMs: 12, requestCount: 3, error: undefined });
    sut({
      method: METHOD,
      durationMs: 1,
      requestCount: 0,
      error: new PlatformError('unavailable.circuit_open', 'open', { retryable: true }),
    });

    const text = await registry.metrics();
    const requests = await registry.getSingleMetric('rpc_client_requests_total')!.get();
    expect(requests.values).toEqual([
      expect.objectContaining({ labels: { method: METHOD }, value: 3 }),
    ]);
    expect(text).toContain(
      `rpc_client_call_duration_ms_count{service="ledger",method="${METHOD}",outcome="unavailable"} 1`,
    );
  });
});
