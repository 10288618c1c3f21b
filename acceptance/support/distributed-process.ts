import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { parseJsonObject, REPOSITORY_ROOT } from './child-service';

/** A cold `node -r @swc-node/register` start on a shared 2-core machine takes tens of seconds. */
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 10_000;
/** Lines kept per app over all its incarnations; later lines are counted, not kept. */
const KEPT_LINES_MAX = 20_000;

/** The JSON line an app prints once it serves (see each app's main.ts `runFromEnvironment`). */
export interface ReadyLine {
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/**
 * One app of the distributed bank: `node -r @swc-node/register apps/<app>/src/main.ts` with
 * exactly the given environment. It can be killed (SIGKILL, a crash) and started again with the
 * same environment, which is how the distributed tests show a crash loses nothing.
 */
export class AppProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private incarnations = 0;
  private droppedLines = 0;
  /** Every stdout/stderr line of every incarnation, prefixed with the incarnation number. */
  readonly lines: string[] = [];

  constructor(
    readonly app: string,
    private readonly environment: Readonly<Record<string, string>>,
    /** The `message` of the app's ready line, e.g. `feed listening`. */
    private readonly readyMessage: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /** Starts an incarnation and resolves with its ready line's fields. */
  async start(): Promise<ReadyLine> {
    if (this.running) {
      throw new Error(`${this.app} is already running (pid ${String(this.pid)})`);
    }
    this.incarnations += 1;
    const incarnation = this.incarnations;
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', join(REPOSITORY_ROOT, 'apps', this.app, 'src', 'main.ts')],
      {
        cwd: REPOSITORY_ROOT,
        env: { SWC_NODE_PROJECT: join(REPOSITORY_ROOT, 'tsconfig.json'), ...this.environment },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const ready = new Promise<ReadyLine>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${this.app} not ready in ${START_TIMEOUT_MS} ms:\n${this.tail()}`));
      }, START_TIMEOUT_MS);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${this.app} exited (${String(code ?? signal)}):\n${this.tail()}`));
      });
      for (const stream of [child.stdout, child.stderr]) {
        if (stream === null) {
          continue;
        }
        createInterface({ input: stream }).on('line', (line) => {
          this.keep(`[${incarnation}] ${line}`);
          const parsed = parseJsonObject(line);
          if (parsed?.['message'] === this.readyMessage) {
            clearTimeout(timer);
            resolve({ message: this.readyMessage, fields: parsed });
          }
        });
      }
    });
    try {
      return await ready;
    } catch (error) {
      await this.exited;
      throw error;
    }
  }

  /** SIGKILL: the process gets no chance to drain, commit or close anything. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM (graceful drain), then SIGKILL if it has not exited in time. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running) {
      return;
    }
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  private keep(line: string): void {
    if (this.lines.length < KEPT_LINES_MAX) {
      this.lines.push(line);
    } else {
      this.droppedLines += 1;
    }
  }

  /** The last lines, for a start failure's message. */
  tail(count = 30): string {
    const dropped = this.droppedLines > 0 ? `(${this.droppedLines} later lines not kept)\n` : '';
    return dropped + this.lines.slice(-count).join('\n');
  }
}
