import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const REPOSITORY_ROOT = resolve(__dirname, '..', '..');

const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 10_000;
/** Lines kept per process for the card-data scan; past it capture stops and says so. */
const CAPTURED_LINES_MAX = 200_000;
/** Written as the last captured line when the bound was hit, so the scan fails rather than miss. */
export const CAPTURE_OVERFLOW_LINE =
  'acceptance: log capture bound reached, later lines not captured';

export interface ChildService {
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  /** Every stdout and stderr line the process wrote so far (this and earlier incarnations). */
  readonly logLines: readonly string[];
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL if it has not exited in time. */
  stop(): Promise<void>;
}

/**
 * Starts `apps/<app>/src/main.ts` as a child process with exactly `env` (plus the swc project),
 * captures every output line, and resolves once it prints its JSON "listening" line carrying
 * `portField`. Apps are a black box to the suite: it never imports them.
 */
export function startChildService(
  app: string,
  env: Readonly<Record<string, string>>,
  portField: 'grpcPort' | 'port',
  logLines: string[] = [],
): Promise<ChildService> {
  return startChildScript(app, join('apps', app, 'src', 'main.ts'), env, portField, logLines);
}

/** As startChildService, for any TypeScript entry point relative to the repository root. */
export async function startChildScript(
  name: string,
  scriptPath: string,
  env: Readonly<Record<string, string>>,
  portField: 'grpcPort' | 'port',
  logLines: string[] = [],
): Promise<ChildService> {
  const app = name;
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', join(REPOSITORY_ROOT, scriptPath)],
    {
      cwd: REPOSITORY_ROOT,
      env: { SWC_NODE_PROJECT: join(REPOSITORY_ROOT, 'tsconfig.json'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<void>((resolveExit) => {
    child.once('exit', () => resolveExit());
  });
  capture(child, logLines);
  const port = await waitForListening(app, child, logLines, portField);
  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  return {
    name: app,
    port,
    pid: child.pid ?? 0,
    logLines,
    kill: () => stopWith('SIGKILL'),
    stop: () => stopWith('SIGTERM'),
  };
}

function capture(child: ChildProcess, logLines: string[]): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (stream === null) {
      continue;
    }
    createInterface({ input: stream }).on('line', (line) => {
      if (logLines.length < CAPTURED_LINES_MAX) {
        logLines.push(line);
      } else if (logLines.length === CAPTURED_LINES_MAX) {
        logLines.push(CAPTURE_OVERFLOW_LINE);
      }
    });
  }
}

function waitForListening(
  app: string,
  child: ChildProcess,
  logLines: readonly string[],
  portField: string,
): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${app} did not start in time: ${logLines.slice(-20).join('\n')}`));
    }, START_TIMEOUT_MS);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${app} exited with ${String(code)}: ${logLines.slice(-20).join('\n')}`));
    };
    child.once('exit', onExit);
    if (child.stdout === null) {
      reject(new Error(`${app} stdout is not piped`));
      return;
    }
    createInterface({ input: child.stdout }).on('line', (line) => {
      const parsed = parseJsonObject(line);
      const port = parsed?.[portField];
      if (typeof port === 'number') {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolvePort(port);
      }
    });
  });
}

export function parseJsonObject(line: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
