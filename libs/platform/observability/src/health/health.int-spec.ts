import { createServer, type Server } from 'node:http';
import {
  createServer as createTcpServer,
  type AddressInfo,
  type Server as TcpServer,
} from 'node:net';

import { PlatformError } from '@corebank/platform-errors';
import { freePort } from '@corebank/testing-engines';

import { HealthRegistry, tcpConnectCheck, type HealthReport } from './health';

const openServers: (Server | TcpServer)[] = [];
afterEach(async () => {
  await Promise.all(
    openServers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
  );
});

async function listen<S extends Server | TcpServer>(server: S): Promise<number> {
  openServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function get(port: number, path: string): Promise<{ status: number; report: HealthReport }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, report: (await response.json()) as HealthReport };
}

describe('HealthRegistry over HTTP', () => {
  it('answers 200 when every readiness check is up and 503 when one is down', async () => {
    const dependencyPort = await listen(createTcpServer((socket) => socket.end()));
    const sut = new HealthRegistry();
    sut.register(tcpConnectCheck('store', '127.0.0.1', dependencyPort, 1_000));
    sut.register({
      name: 'event-loop',
      probe: 'liveness',
      timeoutMs: 1_000,
      run: () => Promise.resolve({ lagMs: 0 }),
    });
    const port = await listen(createServer(sut.httpHandler()));

    const ready = await get(port, '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.report).toMatchObject({
      probe: 'readiness',
      status: 'up',
      checks: { store: { status: 'up' } },
    });
    expect(ready.report.checks).not.toHaveProperty('event-loop');

    sut.register(tcpConnectCheck('bus', '127.0.0.1', await freePort(), 1_000));
    const notReady = await get(port, '/health/ready');
    expect(notReady.status).toBe(503);
    expect(notReady.report.checks.bus).toMatchObject({
      status: 'down',
      error: { code: 'unavailable.tcp_connect' },
    });

    const live = await get(port, '/health/live');
    expect(live.status).toBe(200);
    expect(live.report.checks['event-loop']).toMatchObject({ status: 'up', details: { lagMs: 0 } });
  });

  it('fails a check that does not finish within its timeout and aborts its signal', async () => {
    const sut = new HealthRegistry();
    let abortReason: unknown;
    sut.register({
      name: 'etcd',
      probe: 'readiness',
      timeoutMs: 50,
      run: (signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            abortReason = signal.reason;
            resolve();
          });
        }),
    });

    const report = await sut.check('readiness');

    expect(report.status).toBe('down');
    expect(report.checks.etcd.error).toEqual({
      code: 'timeout.health_check',
      message: 'the check did not finish in time',
    });
    expect(abortReason).toBeInstanceOf(PlatformError);
  });

  it('does not show the text of errors that are not PlatformErrors', async () => {
    const sut = new HealthRegistry();
    sut.register({
      name: 'store',
      probe: 'readiness',
      timeoutMs: 1_000,
      run: () => Promise.reject(new Error('connect cassandra://admin:hunter2@db')),
    });

    const report = await sut.check('readiness');

    expect(JSON.stringify(report)).not.toContain('hunter2');
    expect(report.checks.store.error).toEqual({
      code: 'unavailable.check_failed',
      message: 'check failed (Error)',
    });
  });

  it('shares one run between concurrent probes', async () => {
    const sut = new HealthRegistry();
    let runCount = 0;
    sut.register({
      name: 'store',
      probe: 'readiness',
      timeoutMs: 1_000,
      run: async () => {
        runCount += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
    });

    const reports = await Promise.all([1, 2, 3, 4, 5].map(() => sut.check('readiness')));

    expect(reports.every((report) => report.status === 'up')).toBe(true);
    expect(runCount).toBe(1);
  });

  it('reports not ready once shutting down, while staying live', async () => {
    const sut = new HealthRegistry();
    sut.markShuttingDown();

    expect((await sut.check('readiness')).status).toBe('down');
    expect((await sut.check('liveness')).status).toBe('up');
  });

  it('refuses duplicate names and answers 404 and 405 off its paths', async () => {
    const sut = new HealthRegistry();
    const check = tcpConnectCheck('store', '127.0.0.1', 1, 100);
    sut.register(check);
    expect(() => sut.register(check)).toThrow(
      expect.objectContaining({ code: 'invalid.health_check' }) as Error,
    );
    const port = await listen(createServer(sut.httpHandler()));

    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/health/live`, { method: 'POST' })).status).toBe(
      405,
    );
  });
});
