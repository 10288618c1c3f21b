import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

import { parseJsonObject } from '../../acceptance/support/child-service';

const REPOSITORY_ROOT = resolve(__dirname, '..', '..');
const BANK_MAIN = join(REPOSITORY_ROOT, 'apps', 'bank', 'src', 'main.ts');
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 60_000;
/** Output lines kept for a failure message; the bank logs for the whole run, so keep a tail. */
const TAIL_LINES_MAX = 200;
/** Distinct warn/error messages counted; later new messages are counted under one key. */
const PROBLEM_MESSAGES_MAX = 20;
const OTHER_PROBLEMS = '(other messages)';

/** What the benchmark needs from the bank's JSON "bank ready" line. */
export interface BankEndpoints {
  readonly soapUrl: string;
  readonly cardsAddress: string;
  readonly feedUrl: string;
  readonly notificationsUrl: string;
  readonly demoAccountId: string;
  /** The one customer token the bank issues (for the demo customer). */
  readonly demoBearerToken: string;
  /** Every service's ops base URL (/health, /metrics, /traces) when the bank prints them. */
  readonly opsUrls: Readonly<Record<string, string>>;
}

export interface BankChild {
  readonly endpoints: BankEndpoints;
  readonly pid: number;
  /** The last lines the bank wrote (stdout and stderr), for diagnosing a failure. */
  tail(): readonly string[];
  /** Warn/error log lines so far, by message (the first few messages only), for the report. */
  problems(): Readonly<Record<string, number>>;
  /** SIGINT (the bank drains and stops), then SIGKILL past the bound. */
  stop(): Promise<number | null>;
}

function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function stringRecord(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) {
    return {};
  }
  return Object.fromEntries(
    Object.entries(value).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
}

/** Reads the endpoints from the bank's ready line; a missing one is an error naming the line. */
export function bankEndpointsFromReadyLine(ready: Record<string, unknown>): BankEndpoints {
  const demoAccess = stringRecord(ready['demoAccess']);
  const feedUrl = stringField(ready, 'feedUrl');
  const notificationsUrl = stringField(ready, 'notificationsUrl');
  const soapUrl = stringField(ready, 'soapUrl');
  const cardsAddress = stringField(ready, 'cardsAddress');
  const demoAccountId = stringField(ready, 'demoAccountId');
  const demoBearerToken = demoAccess['bearerToken'];
  if (
    feedUrl === undefined ||
    notificationsUrl === undefined ||
    soapUrl === undefined ||
    cardsAddress === undefined ||
    demoAccountId === undefined ||
    demoBearerToken === undefined
  ) {
    throw new Error(
      `the bank ready line lacks an endpoint the benchmark needs: ${JSON.stringify(ready)}`,
    );
  }
  return {
    soapUrl,
    cardsAddress,
    feedUrl,
    notificationsUrl,
    demoAccountId,
    demoBearerToken,
    opsUrls: stringRecord(ready['opsUrls']),
  };
}

/** Starts apps/bank/src/main.ts with `env` added to this process's environment. */
export function startBankChild(env: Readonly<Record<string, string>>): Promise<BankChild> {
  const child: ChildProcess = spawn(process.execPath, ['-r', '@swc-node/register', BANK_MAIN], {
    cwd: REPOSITORY_ROOT,
    env: { ...process.env, SWC_NODE_PROJECT: join(REPOSITORY_ROOT, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  const problems = new Map<string, number>();
  const countProblem = (line: string): void => {
    if (!line.includes('"level":"warn"') && !line.includes('"level":"error"')) {
      return;
    }
    const message = parseJsonObject(line)?.['msg'];
    const key = typeof message === 'string' ? message : line.slice(0, 120);
    const counted =
      problems.has(key) || problems.size < PROBLEM_MESSAGES_MAX ? key : OTHER_PROBLEMS;
    problems.set(counted, (problems.get(counted) ?? 0) + 1);
  };
  const exited = new Promise<number | null>((resolveExit) => {
    child.once('exit', (code) => resolveExit(code));
  });
  let onReadyLine: (ready: Record<string, unknown>) => void = () => undefined;
  for (const stream of [child.stdout, child.stderr]) {
    if (stream === null) {
      continue;
    }
    // Always read: a bank whose pipe fills up would block on its own logging.
    createInterface({ input: stream }).on('line', (line) => {
      tail.push(line);
      countProblem(line);
      if (tail.length > TAIL_LINES_MAX) {
        tail.shift();
      }
      if (line.startsWith('{') && line.includes('"bank ready"')) {
        const parsed = parseJsonObject(line);
        if (parsed !== undefined) {
          onReadyLine(parsed);
        }
      }
    });
  }
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the bank was not ready in ${READY_TIMEOUT_MS} ms:\n${tail.join('\n')}`));
    }, READY_TIMEOUT_MS);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the bank exited with ${String(code)} before ready:\n${tail.join('\n')}`));
    });
    onReadyLine = (ready) => {
      clearTimeout(timer);
      try {
        resolveStart({
          endpoints: bankEndpointsFromReadyLine(ready),
          pid: child.pid ?? 0,
          tail: () => [...tail],
          problems: () => Object.fromEntries(problems),
          stop,
        });
      } catch (error) {
        child.kill('SIGKILL');
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
  });
}
