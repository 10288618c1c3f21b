import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

export interface LedgerProcess {
  readonly address: string;
  readonly port: number;
  /** The child's process id (for CPU accounting from /proc). */
  readonly pid: number;
  /** SIGKILL: the ledger dies as in a crash; its store survives for a restart. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL if it has not exited in time. */
  stop(): Promise<void>;
}

export interface LedgerProcessOptions {
  /** Extra node flags before the entry point (e.g. `--cpu-prof`). */
  readonly nodeArgs?: readonly string[];
  /** Extra environment, over the defaults below. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Starts the real ledger service (apps/ledger) as a child process on 127.0.0.1, with its store
 * in `storePath`. Apps never import each other, so tests reach the ledger only over gRPC.
 * `port` 0 picks a free port; a restart passes the previous port so clients reconnect.
 */
export async function startLedgerProcess(
  storePath: string,
  port = 0,
  options: LedgerProcessOptions = {},
): Promise<LedgerProcess> {
  const root = join(__dirname, '..', '..', '..', '..');
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      '-r',
      '@swc-node/register',
      join(root, 'apps/ledger/src/main.ts'),
    ],
    {
      cwd: root,
      env: {
        SWC_NODE_PROJECT: join(root, 'tsconfig.json'),
        STORE_SQLITE_PATH: storePath,
        STORE_SQLITE_SYNCHRONOUS: 'normal',
        LEDGER_GRPC_HOST: '127.0.0.1',
        LEDGER_GRPC_PORT: String(port),
        LEDGER_WORKER_ID: '1',
        LEDGER_GROUP_COMMIT_WINDOW_MS: '1',
        LEDGER_SHUTDOWN_GRACE_MS: '1000',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 50) {
      stderr.push(chunk.toString());
    }
  });
  const boundPort = await waitForPort(child, stderr);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
    } else {
      child.once('exit', () => resolve());
    }
  });
  const stopWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  return {
    address: `127.0.0.1:${boundPort}`,
    port: boundPort,
    pid: child.pid ?? 0,
    kill: () => stopWith('SIGKILL'),
    stop: () => stopWith('SIGTERM'),
  };
}

function waitForPort(child: ChildProcess, stderr: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ledger did not start in time: ${stderr.join('')}`));
    }, START_TIMEOUT_MS);
    if (child.stdout === null) {
      reject(new Error('ledger stdout is not piped'));
      return;
    }
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const parsed: unknown = safeJson(line);
      if (typeof parsed === 'object' && parsed !== null && 'grpcPort' in parsed) {
        const port = parsed.grpcPort;
        if (typeof port === 'number') {
          clearTimeout(timer);
          resolve(port);
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ledger exited with ${String(code)}: ${stderr.join('')}`));
    });
  });
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}
