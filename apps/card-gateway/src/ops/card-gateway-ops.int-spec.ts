/**
 * The card-gateway booted through bootstrap(config) on ephemeral ports, with a grpc-js TEST
 * DOUBLE of authorization behind it: the ops port's probes, /metrics under promtool, and the
 * log line of a failed request (trace id present, PAN absent).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { get } from 'node:http';

import { EngineMissingError } from '@corebank/testing-engines';

import { loadCardGatewayConfig } from '../config';
import { bootstrap, type RunningCardGateway } from '../main';
import { AuthorizationServiceTestDouble } from '../testing/authorization-service.test-double';
import {
  AUTH_REQUEST_FIELDS,
  getTransactionEnvelope,
  WSDL_PATH,
} from '../testing/get-transaction-envelope';
import { responseStatusOf, soapPost } from '../testing/soap-http-client';

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

describe('card-gateway ops port', () => {
  const authorization = new AuthorizationServiceTestDouble();
  const logLines: string[] = [];
  let gateway: RunningCardGateway | undefined;
  let authorizationStopped = false;

  beforeAll(async () => {
    const address = await authorization.start();
    const config = loadCardGatewayConfig({
      CARD_GATEWAY_HOST: '127.0.0.1',
      CARD_GATEWAY_PORT: '0',
      CARD_GATEWAY_WSDL_PATH: WSDL_PATH,
      CARD_GATEWAY_AUTHORIZATION_ADDRESS: address,
      CARD_GATEWAY_AUTH_MODE: 'none',
      CARD_GATEWAY_DEADLINE_BUDGET_MS: '1000',
      CARD_GATEWAY_VOID_ATTEMPT_COUNT_MAX: '1',
      CARD_GATEWAY_SHUTDOWN_GRACE_MS: '200',
      OPS_HTTP_PORT: '0',
    });
    gateway = await bootstrap(config, {
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
  });

  afterAll(async () => {
    await gateway?.close();
    if (!authorizationStopped) {
      await authorization.stop();
    }
  });

  it('answers liveness and readiness with 200 while authorization is up', async () => {
    const opsPort = gateway?.opsPort ?? 0;
    expect((await opsGet(opsPort, '/health/live')).status).toBe(200);
    const ready = await opsGet(opsPort, '/health/ready');
    expect([ready.status, ready.body]).toEqual([200, expect.stringContaining('"authorization"')]);
    expect(ready.body).toContain('"wsdl"');
  });

  it('logs a failed request with its trace id and the PAN masked, and counts its 91', async () => {
    authorization.reset('fail');
    const reply = await soapPost(
      gateway?.httpPort ?? 0,
      getTransactionEnvelope({ ...AUTH_REQUEST_FIELDS, TXn_ID: TEST_PAN }),
    );
    expect(responseStatusOf(reply.body)).toBe('91');

    const warning = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry.msg === 'authorization did not answer in time');
    expect(warning).toMatchObject({
      level: 'warn',
      service: 'card-gateway',
      txnId: '[PAN ****1111]',
    });
    expect(String(warning?.trace_id)).toMatch(/^[0-9a-f]{32}$/);
    expect(logLines.filter((line) => line.includes(TEST_PAN))).toEqual([]);

    const metrics = await opsGet(gateway?.opsPort ?? 0, '/metrics');
    expect(metrics.body).toMatch(
      /card_gateway_responses_total\{response_code="91",outcome="unconfirmed",service="card-gateway"\} 1/,
    );
    expect(promtoolProblems(metrics.body)).toEqual([]);
  });

  it('serves the timeline of a recorded trace on /traces/<id>', async () => {
    const warning = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry.msg === 'authorization did not answer in time');
    const traceId = String(warning?.trace_id);
    const timeline = await opsGet(gateway?.opsPort ?? 0, `/traces/${traceId}`);
    expect([timeline.status, timeline.body]).toEqual([
      200,
      expect.stringContaining('card-gateway.process_card_message'),
    ]);
  });

  it('turns readiness to 503 when authorization stops accepting connections', async () => {
    await authorization.stop();
    authorizationStopped = true;
    const ready = await opsGet(gateway?.opsPort ?? 0, '/health/ready');
    expect([ready.status, ready.body]).toEqual([503, expect.stringContaining('"down"')]);
    expect((await opsGet(gateway?.opsPort ?? 0, '/health/live')).status).toBe(200);
  });
});
