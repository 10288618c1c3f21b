import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

import { ALL_SCENARIOS } from '../scenarios/scenarios';
import { type BankProcess, startBankProcess } from '../bank/bank-process';

const REPOSITORY_ROOT = resolve(__dirname, '../..');
const PROBER_MAIN = join(REPOSITORY_ROOT, 'acceptance/prober/main.ts');
const ROUNDS = 2;
const PROBER_DONE_TIMEOUT_MS = 120_000;
const PROBER_STOP_TIMEOUT_MS = 15_000;

interface RunningProber {
  readonly child: ChildProcess;
  readonly lines: Readonly<Record<string, unknown>>[];
  output(): string;
}

function startProber(bankProcess: BankProcess): RunningProber {
  const { ready, customerTokenSecret } = bankProcess;
  const child = spawn(process.execPath, ['-r', '@swc-node/register', PROBER_MAIN], {
    cwd: REPOSITORY_ROOT,
    env: {
      ...process.env,
      PROBER_SOAP_URL: ready.soapUrl,
      PROBER_CARDS_GRPC_ADDRESS: ready.cardsAddress,
      PROBER_FEED_URL: ready.feedUrl,
      PROBER_NOTIFICATIONS_URL: ready.notificationsUrl,
      PROBER_CUSTOMER_TOKEN_SECRET: customerTokenSecret,
      PROBER_INTERVAL_MS: '1000',
      PROBER_ITERATIONS_MAX: String(ROUNDS),
      PROBER_ACCOUNT_KEY_PREFIX: `prober-int-spec-${process.pid}`,
      PROBER_METRICS_HOST: '127.0.0.1',
      PROBER_METRICS_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Readonly<Record<string, unknown>>[] = [];
  let output = '';
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    pending += chunk.toString('utf8');
    const complete = pending.split('\n');
    pending = complete.pop() ?? '';
    for (const line of complete) {
      if (line.startsWith('{')) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return { child, lines, output: () => output };
}

async function waitForLine(
  prober: RunningProber,
  message: string,
  timeoutMs: number,
): Promise<Readonly<Record<string, unknown>>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = prober.lines.find((entry) => entry['message'] === message);
    if (line !== undefined) {
      return line;
    }
    if (Date.now() >= deadline || prober.child.exitCode !== null) {
      throw new Error(`no "${message}" from the prober:\n${prober.output()}`);
    }
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 100));
  }
}

function stopProber(prober: RunningProber): Promise<number | null> {
  if (prober.child.exitCode !== null) {
    return Promise.resolve(prober.child.exitCode);
  }
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      prober.child.kill('SIGKILL');
      reject(new Error(`prober did not stop:\n${prober.output()}`));
    }, PROBER_STOP_TIMEOUT_MS);
    prober.child.once('exit', (code) => {
      clearTimeout(timer);
      resolvePromise(code);
    });
    prober.child.kill('SIGTERM');
  });
}

/** Value of the one sample of `name` whose labels include `labels`, from Prometheus text. */
function sample(text: string, name: string, labels: Readonly<Record<string, string>>): number {
  const values = text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) =>
      Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`)),
    )
    .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
  if (values.length !== 1 || values[0] === undefined) {
    throw new Error(`${values.length} samples of ${name} ${JSON.stringify(labels)}`);
  }
  return values[0];
}

describe('the prober against the one-process bank', () => {
  let bankProcess: BankProcess | undefined;
  let prober: RunningProber | undefined;

  beforeAll(async () => {
    bankProcess = await startBankProcess({ withApnsTestServer: false });
  }, 120_000);

  afterAll(async () => {
    if (prober !== undefined) {
      await stopProber(prober).catch(() => prober?.child.kill('SIGKILL'));
    }
    await bankProcess?.stop();
  }, 60_000);

  it(`runs ${ROUNDS} rounds of every scenario, all passing, and serves per-step metrics promtool accepts`, async () => {
    if (bankProcess === undefined) {
      throw new Error('bank not started');
    }
    const startedSeconds = Date.now() / 1000;
    prober = startProber(bankProcess);
    const listening = await waitForLine(prober, 'prober listening', 60_000);
    const done = await waitForLine(prober, 'prober done', PROBER_DONE_TIMEOUT_MS);
    expect(done['rounds']).toBe(ROUNDS);
    expect(prober.lines.filter((line) => line['message'] === 'scenario failed')).toEqual([]);

    const response = await fetch(`http://127.0.0.1:${String(listening['metricsPort'])}/metrics`, {
      signal: AbortSignal.timeout(5_000),
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(sample(text, 'prober_rounds_total', {})).toBe(ROUNDS);
    for (const scenario of ALL_SCENARIOS) {
      expect(
        sample(text, 'prober_scenario_runs_total', { scenario: scenario.name, outcome: 'success' }),
      ).toBe(ROUNDS);
      expect(
        sample(text, 'prober_scenario_last_success_timestamp_seconds', { scenario: scenario.name }),
      ).toBeGreaterThanOrEqual(Math.floor(startedSeconds));
    }
    const authorize = { scenario: 'reverse', step: 'authorize' };
    expect(sample(text, 'prober_step_runs_total', { ...authorize, outcome: 'success' })).toBe(
      ROUNDS,
    );
    expect(sample(text, 'prober_step_duration_seconds_count', authorize)).toBe(ROUNDS);
    expect(text).not.toContain('outcome="failure"');
    const feed = { scenario: 'pay_and_see_feed_item_and_push', step: 'feed_item_streamed' };
    expect(sample(text, 'prober_step_runs_total', { ...feed, outcome: 'success' })).toBe(ROUNDS);

    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: promtool.status, output: promtool.stdout + promtool.stderr }).toEqual({
      status: 0,
      output: '',
    });

    expect(await stopProber(prober)).toBe(0);
    expect(prober.lines.at(-1)).toMatchObject({ message: 'prober stopped' });
  }, 240_000);
});
