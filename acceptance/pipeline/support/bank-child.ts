import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

import { z } from 'zod';

/**
 * The one-process bank (apps/bank/src/main.ts) as a black box in a child process: free ports, a
 * temp data dir, endpoints read from its JSON "bank ready" line, and every line it writes kept
 * (the services' JSON log lines included) for the trace assertions. Every wait is bounded.
 */
const REPOSITORY_ROOT = resolve(__dirname, '../../..');
const BANK_MAIN = join(REPOSITORY_ROOT, 'apps/bank/src/main.ts');
export const BANK_READY_TIMEOUT_MS = 45_000;
const BANK_EXIT_TIMEOUT_MS = 20_000;
/** A runaway bank must not fill the test's memory: lines past this are counted, not kept. */
const KEPT_LINES_MAX = 50_000;

const bankReadySchema = z.object({
  message: z.literal('bank ready'),
  services: z.array(z.string()),
  soapUrl: z.string().url(),
  feedUrl: z.string().url(),
  notificationsUrl: z.string().url(),
  demoAccountId: z.string().min(1),
  demoCardToken: z.string().min(1),
  demoAccess: z.object({ bearerToken: z.string().min(1) }).passthrough(),
  opsUrls: z.record(z.string()).optional(),
});

export type BankReady = z.infer<typeof bankReadySchema>;

export interface BankChild {
  readonly child: ChildProcess;
  readonly ready: BankReady;
  /** Every complete line written so far (stdout and stderr), in arrival order. */
  lines(): readonly string[];
  /** The lines that are JSON objects (the services' log lines and the ready line). */
  jsonLines(): readonly Record<string, unknown>[];
  /** SIGINT (as Ctrl-C), then SIGKILL if it has not exited in time. */
  stop(): Promise<void>;
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

export function startBankChild(environment: Readonly<Record<string, string>>): Promise<BankChild> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', BANK_MAIN], {
    cwd: REPOSITORY_ROOT,
    env: { ...process.env, ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let droppedLines = 0;
  const partial = { stdout: '', stderr: '' };
  const take = (stream: 'stdout' | 'stderr', chunk: Buffer): void => {
    const parts = (partial[stream] + chunk.toString('utf8')).split('\n');
    partial[stream] = parts.pop() ?? '';
    for (const line of parts) {
      if (lines.length < KEPT_LINES_MAX) {
        lines.push(line);
      } else {
        droppedLines += 1;
      }
    }
  };
  child.stdout.on('data', (chunk: Buffer) => take('stdout', chunk));
  child.stderr.on('data', (chunk: Buffer) => take('stderr', chunk));

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    await new Promise<void>((resolvePromise) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
      }, BANK_EXIT_TIMEOUT_MS);
      child.once('exit', () => {
        clearTimeout(timer);
        resolvePromise();
      });
      child.kill('SIGINT');
    });
  };

  return new Promise((resolvePromise, reject) => {
    const output = (): string =>
      `${lines.slice(-80).join('\n')}${droppedLines > 0 ? `\n(${droppedLines} lines dropped)` : ''}`;
    const timer = setTimeout(() => {
      clearInterval(poll);
      child.kill('SIGKILL');
      reject(new Error(`bank not ready in ${BANK_READY_TIMEOUT_MS} ms:\n${output()}`));
    }, BANK_READY_TIMEOUT_MS);
    const onEarlyExit = (code: number | null): void => {
      clearTimeout(timer);
      clearInterval(poll);
      reject(new Error(`bank exited with ${String(code)} before ready:\n${output()}`));
    };
    child.once('exit', onEarlyExit);
    const poll = setInterval(() => {
      const readyLine = lines.find((line) => line.includes('"bank ready"'));
      if (readyLine === undefined) {
        return;
      }
      clearTimeout(timer);
      clearInterval(poll);
      child.off('exit', onEarlyExit);
      const ready = bankReadySchema.safeParse(parseJsonObject(readyLine));
      if (!ready.success) {
        void stop().then(() =>
          reject(new Error(`unexpected ready line: ${ready.error.message}\n${readyLine}`)),
        );
        return;
      }
      resolvePromise({
        child,
        ready: ready.data,
        lines: () => lines,
        jsonLines: () =>
          lines
            .map(parseJsonObject)
            .filter((line): line is Record<string, unknown> => line !== undefined),
        stop,
      });
    }, 50);
  });
}
