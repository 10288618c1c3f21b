import { type ChildProcess, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The bank as a person runs it, for int-specs: `main.ts` in a child process on ephemeral ports,
 * read through its JSON "bank ready" line, and the `corebank` CLI (bin/corebank.js) as separate
 * child processes against it. Every wait is bounded and every child is killed on timeout.
 */
export const REPOSITORY_ROOT = resolve(__dirname, '../../../..');
const BANK_MAIN = join(REPOSITORY_ROOT, 'apps/bank/src/main.ts');
const COREBANK_BIN = join(REPOSITORY_ROOT, 'bin/corebank.js');
export const BANK_READY_TIMEOUT_MS = 60_000;
export const BANK_EXIT_TIMEOUT_MS = 30_000;
const CLI_TIMEOUT_MS = 30_000;

/** The "bank ready" line main.ts prints once every service serves. */
export interface BankReady {
  readonly pid: number;
  readonly services: readonly string[];
  readonly cardsAddress: string;
  readonly soapUrl: string;
  readonly wsdlUrl: string;
  readonly feedUrl: string;
  readonly notificationsUrl: string;
  readonly busEngine: 'embedded' | 'kafka';
  readonly opsUrls: Readonly<Record<string, string>>;
  readonly endpoints: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly demoAccountId: string;
  readonly demoCardToken: string;
  readonly demoSeededNow: boolean;
  readonly demoAccess: Readonly<Record<string, string>>;
}

/** The environment children inherit: the test's own (only test files may read process.env). */
export type InheritedEnvironment = Readonly<Record<string, string | undefined>>;

export interface RunningBankProcess {
  readonly child: ChildProcess;
  /** What the bank inherited; the CLI children inherit it too. */
  readonly inherited: InheritedEnvironment;
  readonly ready: BankReady;
  /** Everything the bank wrote so far, stdout and stderr interleaved. */
  readonly output: () => string;
  /** The complete lines written so far. */
  readonly lines: () => readonly string[];
  /** The lines that are JSON objects: the services' log lines and the ready line. */
  readonly jsonLines: () => readonly Record<string, unknown>[];
}

function parseJsonObject(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) {
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The environment of a test bank: free ports, a generous SOAP budget on a busy machine. */
export function testBankEnvironment(dataDir: string): Record<string, string> {
  return {
    BANK_DATA_DIR: dataDir,
    BANK_LEDGER_GRPC_PORT: '0',
    BANK_AUTHORIZATION_GRPC_PORT: '0',
    BANK_SOAP_PORT: '0',
    BANK_FEED_PORT: '0',
    BANK_NOTIFICATIONS_PORT: '0',
    BANK_OPS_PORT_BASE: '0',
    BANK_PUBLIC_PORT: '0',
    // The machine runs many suites at once; the 80 ms production budget is for the benchmark.
    BANK_SOAP_DEADLINE_BUDGET_MS: '1000',
    LOG_LEVEL: 'warn',
  };
}

export function startBankProcess(
  dataDir: string,
  inherited: InheritedEnvironment,
  extraEnvironment: Readonly<Record<string, string>> = {},
): Promise<RunningBankProcess> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', BANK_MAIN], {
    cwd: REPOSITORY_ROOT,
    env: { ...inherited, ...testBankEnvironment(dataDir), ...extraEnvironment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bank not ready in ${BANK_READY_TIMEOUT_MS} ms:\n${output}`));
    }, BANK_READY_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const readyLine = output
        .split('\n')
        .find((line) => line.startsWith('{') && line.includes('"bank ready"'));
      if (readyLine !== undefined) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.on('data', (more: Buffer) => (output += more.toString('utf8')));
        const lines = (): string[] => output.split('\n').slice(0, -1);
        resolvePromise({
          child,
          inherited,
          ready: JSON.parse(readyLine) as BankReady,
          output: () => output,
          lines,
          jsonLines: () =>
            lines()
              .map(parseJsonObject)
              .filter((line): line is Record<string, unknown> => line !== undefined),
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bank exited with ${String(code)} before ready:\n${output}`));
    });
  });
}

/** SIGINT, as Ctrl-C does; resolves with the exit code once the process is gone. */
export function stopBankProcess(bank: RunningBankProcess): Promise<number | null> {
  if (bank.child.exitCode !== null) {
    return Promise.resolve(bank.child.exitCode);
  }
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      bank.child.kill('SIGKILL');
      reject(new Error(`bank did not stop in ${BANK_EXIT_TIMEOUT_MS} ms:\n${bank.output()}`));
    }, BANK_EXIT_TIMEOUT_MS);
    bank.child.once('exit', (code) => {
      clearTimeout(timer);
      resolvePromise(code);
    });
    bank.child.kill('SIGINT');
  });
}

export interface CliResult {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `corebank <args>` from a directory outside the repository, as an installed bin would. */
export function corebankText(
  bank: RunningBankProcess,
  args: readonly string[],
  extraEnvironment: Readonly<Record<string, string>> = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [COREBANK_BIN, ...args], {
    cwd: tmpdir(),
    env: {
      ...bank.inherited,
      COREBANK_CARDS_ADDRESS: bank.ready.cardsAddress,
      COREBANK_SOAP_URL: bank.ready.soapUrl,
      ...(bank.ready.opsUrls['card-gateway'] === undefined
        ? {}
        : { COREBANK_OPS_URL: bank.ready.opsUrls['card-gateway'] }),
      ...extraEnvironment,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`corebank ${args.join(' ')} took over ${CLI_TIMEOUT_MS} ms`));
    }, CLI_TIMEOUT_MS);
    child.once('exit', (exitCode) => {
      clearTimeout(timer);
      resolvePromise({ exitCode, stdout, stderr });
    });
  });
}

export interface CliJsonResult {
  readonly exitCode: number | null;
  readonly json: Record<string, unknown>;
  readonly stderr: string;
}

/** `corebank <args>` whose stdout is one JSON document. */
export async function corebank(
  bank: RunningBankProcess,
  args: readonly string[],
  extraEnvironment: Readonly<Record<string, string>> = {},
): Promise<CliJsonResult> {
  const { exitCode, stdout, stderr } = await corebankText(bank, args, extraEnvironment);
  try {
    const json = JSON.parse(stdout.trim() === '' ? '{}' : stdout) as Record<string, unknown>;
    return { exitCode, json, stderr };
  } catch {
    throw new Error(`corebank ${args.join(' ')} printed no JSON: ${stdout} ${stderr}`);
  }
}

/** A nested field of parsed JSON, undefined when any step is missing. */
export function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    current = (current as Record<string, unknown> | undefined)?.[key];
  }
  return current;
}

/** Polls `read` until `accept` holds or the bound passes; returns the last value read. */
export async function pollUntil<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs: number,
  intervalMs = 200,
): Promise<T> {
  const deadlineMs = Date.now() + timeoutMs;
  let value = await read();
  while (!accept(value) && Date.now() < deadlineMs) {
    await new Promise((resolvePromise) => setTimeout(resolvePromise, intervalMs));
    value = await read();
  }
  return value;
}
