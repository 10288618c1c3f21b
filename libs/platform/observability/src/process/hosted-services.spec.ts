import { Writable } from 'node:stream';

import { propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';

import { initTracing, type Tracing } from '../tracing/tracing';
import {
  currentHostedService,
  HostedServicesNestLogger,
  runAsHostedService,
} from './hosted-services';

function capturedLines() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  return { lines, destination };
}

describe('runAsHostedService', () => {
  it('names the service for everything scheduled from inside, and nothing outside', async () => {
    const seen = await runAsHostedService('feed', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return new Promise<string | undefined>((resolve) =>
        setImmediate(() => resolve(currentHostedService())),
      );
    });
    expect(seen).toBe('feed');
    expect(currentHostedService()).toBeUndefined();
  });
});

describe('HostedServicesNestLogger', () => {
  it("writes each line under the service it was written in, else the host's name", async () => {
    const { lines, destination } = capturedLines();
    const sut = new HostedServicesNestLogger({ hostName: 'bank', level: 'info', destination });

    runAsHostedService('ledger', () => sut.log('ledger started', 'NestFactory'));
    await runAsHostedService('notifications', async () => {
      await Promise.resolve();
      sut.warn('slow provider', 'Push');
    });
    sut.log('seeded the demo customer');
    sut.debug('below the level');

    expect(lines.map((line) => [line['service'], line['level'], line['msg']])).toEqual([
      ['ledger', 'info', 'ledger started'],
      ['notifications', 'warn', 'slow provider'],
      ['bank', 'info', 'seeded the demo customer'],
    ]);
    expect(lines[0]).toMatchObject({ context: 'NestFactory' });
  });
});

describe('hosted service attribution of spans', () => {
  let tracing: Tracing | undefined;
  afterEach(async () => {
    await tracing?.shutdown();
    tracing = undefined;
  });

  it('names server spans by the host, children by their parent, others by the store', () => {
    tracing = initTracing({
      serviceName: 'bank',
      hostedServiceOfServerSpan: (attributes) =>
        attributes['rpc.method'] === '/corebank.ledger.v1.LedgerService/CreateTransfers'
          ? 'ledger'
          : undefined,
    });
    const tracer = tracing.tracer();
    // A remote caller's context: the server span must not inherit anything from it.
    const remote = propagation.extract(ROOT_CONTEXT, {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    const server = tracer.startSpan(
      '/corebank.ledger.v1.LedgerService/CreateTransfers',
      {
        kind: SpanKind.SERVER,
        attributes: { 'rpc.method': '/corebank.ledger.v1.LedgerService/CreateTransfers' },
      },
      remote,
    );
    const child = tracer.startSpan('ledger.commit', {}, trace.setSpan(ROOT_CONTEXT, server));
    child.end();
    server.end();
    runAsHostedService('feed', () => tracer.startSpan('feed.record_transaction').end());
    tracer.startSpan('outside any service').end();

    const recorder = tracing.recorder;
    const services = new Map(
      (recorder?.traceIds() ?? [])
        .flatMap((traceId) => recorder?.spans(traceId) ?? [])
        .map((span) => [span.name, span.service]),
    );
    expect(Object.fromEntries(services)).toEqual({
      '/corebank.ledger.v1.LedgerService/CreateTransfers': 'ledger',
      'ledger.commit': 'ledger',
      'feed.record_transaction': 'feed',
      'outside any service': 'bank',
    });
  });
});
