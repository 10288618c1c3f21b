import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PlatformError } from '@corebank/platform-errors';
import type {
  ConditionalResult,
  ConditionalStatement,
  Migration,
  Page,
  RangeQuery,
  Row,
  Store,
  WriteOptions,
  WriteStatement,
} from '@corebank/platform-storage';
import type { ChildReply, ChildRequest } from './child-process-protocol';
import type { ConcurrentStoreClients } from './store.contract';

const START_TIMEOUT_MS = 30_000;
const CALL_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** The workspace root: where tsconfig.json is, so the child can resolve `@corebank/*` aliases. */
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

/** A Store whose calls run in a child process holding its own SqliteStore on the same file. */
class ChildProcessStore implements Store {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: unknown) => void; timer: NodeJS.Timeout }
  >();

  constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: ChildReply) => this.settle(reply));
    child.once('exit', (code, signal) => {
      for (const [id, call] of this.pending) {
        clearTimeout(call.timer);
        call.reject(
          new Error(`store child exited (${code ?? signal}) before answering call ${id}`),
        );
      }
      this.pending.clear();
    });
  }

  migrate(migrations: readonly Migration[]): Promise<void> {
    return this.call('migrate', [migrations]);
  }
  get(table: string, key: Row): Promise<Row | undefined> {
    return this.call('get', [table, key]);
  }
  getMany(table: string, keys: readonly Row[]): Promise<readonly Row[]> {
    return this.call('getMany', [table, keys]);
  }
  upsert(table: string, row: Row, options?: WriteOptions): Promise<void> {
    return this.call('upsert', [table, row, options]);
  }
  insertIfNotExists(table: string, row: Row, options?: WriteOptions): Promise<ConditionalResult> {
    return this.call('insertIfNotExists', [table, row, options]);
  }
  updateIf(
    table: string,
    key: Row,
    set: Row,
    expected: Row,
    options?: WriteOptions,
  ): Promise<ConditionalResult> {
    return this.call('updateIf', [table, key, set, expected, options]);
  }
  conditionalWrites(
    statements: readonly ConditionalStatement[],
  ): Promise<readonly ConditionalResult[]> {
    return this.call('conditionalWrites', [statements]);
  }
  delete(table: string, key: Row): Promise<void> {
    return this.call('delete', [table, key]);
  }
  query(query: RangeQuery): Promise<Page> {
    return this.call('query', [query]);
  }
  batch(statements: readonly WriteStatement[]): Promise<void> {
    return this.call('batch', [statements]);
  }
  ping(): Promise<void> {
    return this.call('ping', []);
  }

  /** Asks the child to close its store and waits for it to exit; kills it if it does not. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return;
    }
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    const killTimer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    try {
      await this.call('close', []);
    } catch {
      this.child.kill('SIGKILL');
    }
    await exited;
    clearTimeout(killTimer);
  }

  private call<T>(method: string, args: readonly unknown[]): Promise<T> {
    const id = this.nextId;
    this.nextId += 1;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`store child did not answer ${method} in ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      const request: ChildRequest = { id, method, args };
      this.child.send(request, (error) => {
        if (error !== null) {
          clearTimeout(timer);
          this.pending.delete(id);
          reject(error);
        }
      });
    });
  }

  private settle(reply: ChildReply): void {
    const call = this.pending.get(reply.id);
    if (call === undefined) {
      return;
    }
    this.pending.delete(reply.id);
    clearTimeout(call.timer);
    if (reply.ok) {
      call.resolve(reply.value);
      return;
    }
    const { code, message, retryable } = reply.error;
    call.reject(
      code === undefined
        ? new Error(message)
        : new PlatformError(code as PlatformError['code'], message, {
            retryable: retryable === true,
          }),
    );
  }
}

function startChild(path: string): Promise<{ child: ChildProcess; store: ChildProcessStore }> {
  const child = fork(join(__dirname, 'sqlite-store.child-process.ts'), [path], {
    cwd: workspaceRoot(),
    execArgv: ['-r', '@swc-node/register'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`store child did not start in ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    const onReady = (reply: ChildReply): void => {
      if (reply.id !== 0) {
        return;
      }
      clearTimeout(timer);
      child.removeListener('message', onReady);
      if (reply.ok) {
        resolve({ child, store: new ChildProcessStore(child) });
      } else {
        child.kill('SIGKILL');
        reject(new Error(`store child failed to start: ${reply.error.message}`));
      }
    };
    child.on('message', onReady);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`store child exited with ${String(code)} while starting`));
    });
  });
}

/**
 * Starts `count` child processes, each with its own SqliteStore on the database file at `path`,
 * and returns Store proxies for them. `close()` stops every child (no process is left behind).
 */
export async function startSqliteChildProcessStores(
  count: number,
  path: string,
): Promise<ConcurrentStoreClients> {
  const started = await Promise.allSettled(Array.from({ length: count }, () => startChild(path)));
  const stores = started.flatMap((result) =>
    result.status === 'fulfilled' ? [result.value.store] : [],
  );
  const close = async (): Promise<void> => {
    await Promise.all(stores.map((store) => store.close()));
  };
  const failure = started.find((result) => result.status === 'rejected');
  if (failure !== undefined) {
    await close();
    throw failure.reason;
  }
  return { stores, close };
}
