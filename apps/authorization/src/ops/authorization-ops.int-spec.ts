/**
 * The authorization service booted through bootstrap(config) on ephemeral ports, with the real
 * ledger as a child process, an embedded bus and SQLite in a temp dir: the ops port's probes
 * (readiness follows the ledger), /metrics under promtool, and a request's log line.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { authorizationCardsV1 } from '@corebank/contracts-proto';
import { createRpcClient } from '@corebank/platform-rpc';
import { EngineMissingError, freePort, startEtcd } from '@corebank/testing-engines';

import { loadAuthorizationConfig } from '../config';
import { bootstrap, type RunningAuthorization } from '../main';
import { type LedgerProcess, startLedgerProcess } from '../testing/ledger-process';

jest.setTimeout(60_000);

/** Luhn-valid test PAN: it must never reach a log line unmasked. */
const TEST_PAN = '4111111111111111';
const LOG_LINES_MAX = 1_000;

function opsGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = get({ host: '127.0.0.1', port, path, timeout: 10_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
      );
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${path} timed out`)));
    request.on('error', reject);
  });
}

function promtoolProblems(exposition: string): string[] {
  let binary: string;
  try {
    binary = execFileSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).trim();
  } catch {
    throw new EngineMissingError('promtool', 'prometheus');
  }
  const result = spawnSync(binary, ['check', 'metrics'], {
    input: exposition,
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.error !== undefined) {
    throw result.error;
  }
  // STYLE §8 names durations `_duration_ms`; promtool's abbreviated-unit lint is the one accepted.
  return `${result.stdout}${result.stderr}`
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter(
      (line) => !/^\w+_duration_ms metric names should not contain abbreviated units$/.test(line),
    );
}

describe('authorization ops port', () => {
  const directory = mkdtempSync(join(tmpdir(), 'authorization-ops-'));
  const logLines: string[] = [];
  let ledger: LedgerProcess | undefined;
  let service: RunningAuthorization | undefined;
  let cards: ReturnType<typeof cardsClient> | undefined;

  function cardsClient(port: number) {
    return createRpcClient(authorizationCardsV1.CardServiceClient, {
      address: `127.0.0.1:${port}`,
      defaultTimeoutMs: 10_000,
      breaker: false,
    });
  }

  beforeAll(async () => {
    ledger = await startLedgerProcess(join(directory, 'ledger.db'));
    const config = loadAuthorizationConfig({
      AUTHORIZATION_GRPC_PORT: '0',
      LEDGER_GRPC_ADDRESS: ledger.address,
      LEDGER_CALL_TIMEOUT_MS: '1000',
      STORE_SQLITE_PATH: join(directory, 'authorization.db'),
      STORE_SQLITE_SYNCHRONOUS: 'normal',
      EVENT_BUS_PATH: join(directory, 'bus.db'),
      ID_WORKER_SOURCE: 'config',
      ID_WORKER_ID: '2',
      AUTH_SHUTDOWN_GRACE_MS: '500',
      OPS_HTTP_PORT: '0',
    });
    service = await bootstrap(config, {
      ownsProcess: true,
      processMetrics: false,
      logDestination: {
        write: (line: string) => {
          if (logLines.length < LOG_LINES_MAX) {
            logLines.push(line);
          }
        },
      },
    });
    cards = cardsClient(service.port);
  });

  afterAll(async () => {
    cards?.close();
    await service?.close();
    await ledger?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  it('answers liveness and readiness with 200 while store, bus and ledger are up', async () => {
    const opsPort = service?.opsPort ?? 0;
    expect((await opsGet(opsPort, '/health/live')).status).toBe(200);
    const ready = await opsGet(opsPort, '/health/ready');
    expect(ready.status).toBe(200);
    for (const check of ['"store"', '"bus"', '"ledger"']) {
      expect(ready.body).toContain(check);
    }
  });

  it('exposes rpc server and client metrics that pass promtool', async () => {
    await cards?.call('openAccount', {
      idempotencyKey: 'ops-open-1',
      currencyCode: 'GBP',
      customerReference: 'ops-customer-1',
    });
    const metrics = await opsGet(service?.opsPort ?? 0, '/metrics');
    // The AuthorizationLatencyP99High alert reads this series.
    expect(metrics.body).toMatch(
      /rpc_server_call_duration_ms_bucket\{[^}]*service="authorization"/,
    );
    expect(metrics.body).toMatch(/rpc_client_requests_total\{[^}]*LedgerService\/CreateAccounts/);
    expect(promtoolProblems(metrics.body)).toEqual([]);
  });

  it('turns readiness to 503 when the ledger dies, and logs the failed call with its trace id', async () => {
    await ledger?.kill();
    const ready = await opsGet(service?.opsPort ?? 0, '/health/ready');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({ checks: { ledger: { status: 'down' } } });
    expect((await opsGet(service?.opsPort ?? 0, '/health/live')).status).toBe(200);

    await expect(
      cards?.call('openAccount', {
        idempotencyKey: 'ops-open-2',
        currencyCode: 'GBP',
        customerReference: `customer ${TEST_PAN}`,
      }),
    ).rejects.toMatchObject({ code: expect.any(String) as unknown });
    const failure = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find(
        (entry) =>
          entry.msg === 'rpc client call degraded' &&
          String(entry.method).endsWith('LedgerService/CreateAccounts'),
      );
    expect(failure).toBeDefined();
    expect(String(failure?.trace_id)).toMatch(/^[0-9a-f]{32}$/);
    expect(logLines.filter((line) => line.includes(TEST_PAN))).toEqual([]);
  });
});

describe('authorization ops port with etcd locks', () => {
  const directory = mkdtempSync(join(tmpdir(), 'authorization-ops-etcd-'));
  let etcd: Awaited<ReturnType<typeof startEtcd>> | undefined;
  let etcdStopped = false;
  let service: RunningAuthorization | undefined;

  beforeAll(async () => {
    etcd = await startEtcd();
    // Nothing listens there: this describe is about the etcd check alone.
    const unusedLedgerPort = await freePort();
    const config = loadAuthorizationConfig({
      AUTHORIZATION_GRPC_PORT: '0',
      LEDGER_GRPC_ADDRESS: `127.0.0.1:${unusedLedgerPort}`,
      STORE_SQLITE_PATH: join(directory, 'authorization.db'),
      STORE_SQLITE_SYNCHRONOUS: 'normal',
      EVENT_BUS_PATH: join(directory, 'bus.db'),
      ID_WORKER_SOURCE: 'config',
      ID_WORKER_ID: '4',
      LOCKS_ENGINE: 'etcd',
      ETCD_ENDPOINTS: etcd.endpoint,
      AUTH_SHUTDOWN_GRACE_MS: '500',
      OPS_HTTP_PORT: '0',
      LOG_LEVEL: 'error',
    });
    service = await bootstrap(config);
  });

  afterAll(async () => {
    await service?.close();
    if (!etcdStopped) {
      await etcd?.stop();
    }
    rmSync(directory, { recursive: true, force: true });
  });

  it('reports etcd up while a member accepts connections, and down once it stops', async () => {
    const before = await opsGet(service?.opsPort ?? 0, '/health/ready');
    expect(JSON.parse(before.body)).toMatchObject({ checks: { etcd: { status: 'up' } } });

    await etcd?.stop();
    etcdStopped = true;
    const after = await opsGet(service?.opsPort ?? 0, '/health/ready');
    expect(after.status).toBe(503);
    expect(JSON.parse(after.body)).toMatchObject({ checks: { etcd: { status: 'down' } } });
  });
});
