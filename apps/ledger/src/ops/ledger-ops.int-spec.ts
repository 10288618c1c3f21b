/**
 * The ledger booted through bootstrap(config) on ephemeral ports with SQLite in a temp dir: the
 * ops port's probes, the store readiness check, and /metrics under promtool after a gRPC call.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ledgerV1 } from '@corebank/contracts-proto';
import { createRpcClient } from '@corebank/platform-rpc';
import { EngineMissingError } from '@corebank/testing-engines';

import { loadLedgerConfig } from '../config';
import { bootstrap, type RunningLedger } from '../main';

jest.setTimeout(60_000);

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

describe('ledger ops port', () => {
  const directory = mkdtempSync(join(tmpdir(), 'ledger-ops-'));
  let ledger: RunningLedger | undefined;

  beforeAll(async () => {
    const config = loadLedgerConfig({
      LEDGER_GRPC_PORT: '0',
      LEDGER_WORKER_ID: '3',
      LEDGER_SHUTDOWN_GRACE_MS: '500',
      STORE_SQLITE_PATH: join(directory, 'ledger.db'),
      STORE_SQLITE_SYNCHRONOUS: 'normal',
      OPS_HTTP_PORT: '0',
      LOG_LEVEL: 'warn',
    });
    ledger = await bootstrap(config, { ownsProcess: true, processMetrics: false });
  });

  afterAll(async () => {
    await ledger?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('answers liveness, and readiness with the store check up', async () => {
    const opsPort = ledger?.opsPort ?? 0;
    expect((await opsGet(opsPort, '/health/live')).status).toBe(200);
    const ready = await opsGet(opsPort, '/health/ready');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({ checks: { store: { status: 'up' } } });
  });

  it('records served gRPC calls on /metrics, which pass promtool', async () => {
    const client = createRpcClient(ledgerV1.LedgerServiceClient, {
      address: `127.0.0.1:${ledger?.grpcPort ?? 0}`,
      defaultTimeoutMs: 10_000,
      breaker: false,
    });
    try {
      await client.call('lookupAccounts', { ids: [] });
    } finally {
      client.close();
    }
    const metrics = await opsGet(ledger?.opsPort ?? 0, '/metrics');
    expect(metrics.body).toMatch(
      /rpc_server_call_duration_ms_count\{service="ledger",method="[^"]*LookupAccounts",outcome="ok"\} 1/,
    );
    expect(promtoolProblems(metrics.body)).toEqual([]);
  });

  it('answers 404 on paths the ops port does not serve', async () => {
    expect((await opsGet(ledger?.opsPort ?? 0, '/admin')).status).toBe(404);
  });
});
