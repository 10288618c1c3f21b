import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

import type {
  BusConsumerChildArguments,
  BusConsumerChildMessage,
  BusConsumerStopRequest,
} from './bus-consumer-protocol';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;

/** The workspace root (tsconfig.json + nx.json), so the child resolves `@corebank/*` aliases. */
function workspaceRoot(): string {
  let directory = __dirname;
  for (let depth = 0; depth < 10; depth += 1) {
    if (existsSync(join(directory, 'tsconfig.json')) && existsSync(join(directory, 'nx.json'))) {
      return directory;
    }
    directory = dirname(directory);
  }
  throw new Error(`no workspace root above ${__dirname}`);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** A contract consumer running in its own OS process (see bus-consumer.child-process.ts). */
export class BusConsumerProcess {
  private constructor(private readonly child: ChildProcess) {}

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Starts the child and resolves once its subscription is up. */
  static async start(argumentsForChild: BusConsumerChildArguments): Promise<BusConsumerProcess> {
    const child = fork(
      join(__dirname, 'bus-consumer.child-process.ts'),
      [JSON.stringify(argumentsForChild)],
      {
        cwd: workspaceRoot(),
        execArgv: ['-r', '@swc-node/register'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    const killOnExit = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`bus consumer child did not start in ${START_TIMEOUT_MS} ms`));
        }, START_TIMEOUT_MS);
        child.on('message', (message: BusConsumerChildMessage) => {
          if (message.kind === 'ready') {
            clearTimeout(timer);
            resolve();
          } else if (message.kind === 'failed') {
            clearTimeout(timer);
            reject(new Error(`bus consumer child failed: ${message.message}`));
          }
        });
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`bus consumer child exited (${code ?? signal}) while starting`));
        });
      });
    } catch (error) {
      child.kill('SIGKILL');
      await exited(child);
      throw error;
    }
    return new BusConsumerProcess(child);
  }

  /** Kills the process without warning (no drain, no commit) and waits until it is gone. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await exited(this.child);
  }

  /** Asks the child to drain and exit; kills it if it does not within STOP_TIMEOUT_MS. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return;
    }
    const request: BusConsumerStopRequest = { kind: 'stop' };
    this.child.send(request);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited(this.child);
    clearTimeout(timer);
    if (this.child.exitCode !== 0) {
      throw new Error(
        `bus consumer child did not stop cleanly (${this.child.exitCode ?? this.child.signalCode})`,
      );
    }
  }
}
