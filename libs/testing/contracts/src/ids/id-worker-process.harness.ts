import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export interface WorkerProcessEvent {
  readonly event: string;
  readonly [field: string]: string | number;
}

/** One `id-worker-process.ts` child, driven line by line. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly workerId: number;
  /** Sends one command and resolves with the next event of one of `events`. */
  command(line: string, events: readonly string[]): Promise<WorkerProcessEvent>;
  /** Resolves with the next event of one of `events` (already received ones count). */
  nextEvent(events: readonly string[]): Promise<WorkerProcessEvent>;
  /** SIGKILL, as a crash would; resolves once the process is gone. */
  kill(): Promise<void>;
}

const REPOSITORY_ROOT = resolve(__dirname, '../../../../..');
const SCRIPT = join(__dirname, 'id-worker-process.ts');
// Compiling the child with swc and connecting to etcd take about a second on a quiet machine;
// the bound is generous because eight engineers share two cores while these tests run.
const EVENT_WAIT_MS_MAX = 30_000;

/**
 * Starts a child process that leases a worker id from etcd with the given ids environment.
 * Resolves once it reports `ready`.
 */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', SCRIPT], {
    cwd: REPOSITORY_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const received: WorkerProcessEvent[] = [];
  const waiters = new Set<() => void>();
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    received.push(JSON.parse(line) as WorkerProcessEvent);
    for (const wake of waiters) {
      wake();
    }
  });
  // 'close' comes after the process exited and its stdout was read to the end, so no event
  // printed just before exiting is missed.
  let closed = false;
  const exited = new Promise<void>((resolveExit) =>
    child.once('close', () => {
      closed = true;
      resolveExit();
    }),
  );

  const nextEvent = (events: readonly string[]): Promise<WorkerProcessEvent> =>
    new Promise((resolveEvent, reject) => {
      const check = (): void => {
        const index = received.findIndex((message) => events.includes(message.event));
        if (index >= 0) {
          const [message] = received.splice(index, 1);
          cleanup();
          resolveEvent(message);
        } else if (closed) {
          cleanup();
          reject(new Error(`worker process exited before ${events.join('/')}: ${stderr}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `no ${events.join('/')} from worker process in ${EVENT_WAIT_MS_MAX} ms: ${stderr}`,
          ),
        );
      }, EVENT_WAIT_MS_MAX);
      const onExit = (): void => check();
      const cleanup = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
        child.removeListener('close', onExit);
      };
      waiters.add(check);
      child.once('close', onExit);
      check();
    });

  let ready: WorkerProcessEvent;
  try {
    ready = await nextEvent(['ready', 'failed']);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
  if (ready.event !== 'ready') {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`worker process failed to lease a worker id: ${String(ready.code)}`);
  }
  return {
    child,
    workerId: Number(ready.workerId),
    nextEvent,
    command(line, events) {
      child.stdin.write(`${line}\n`);
      return nextEvent(events);
    },
    async kill() {
      if (!closed) {
        child.kill('SIGKILL');
      }
      await exited;
    },
  };
}
