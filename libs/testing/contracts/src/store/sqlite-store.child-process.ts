/**
 * Entry point of a child process that serves one SqliteStore over IPC, so tests can put several
 * processes on one database file (better-sqlite3 is synchronous: inside one process, calls never
 * overlap). Started by `startSqliteChildProcessStores`; argv[2] is the database path.
 */
import { SqliteStore, type Store } from '@corebank/platform-storage';
import type { ChildReply, ChildRequest } from './child-process-protocol';

/** Runs one request on the store; argument shapes are the Store method's own. */
function dispatch(store: Store, method: string, args: readonly unknown[]): Promise<unknown> {
  const [first, second, third, fourth, fifth] = args as never[];
  switch (method) {
    case 'migrate':
      return store.migrate(first);
    case 'get':
      return store.get(first, second);
    case 'getMany':
      return store.getMany(first, second);
    case 'upsert':
      return store.upsert(first, second, third);
    case 'insertIfNotExists':
      return store.insertIfNotExists(first, second, third);
    case 'updateIf':
      return store.updateIf(first, second, third, fourth, fifth);
    case 'conditionalWrites':
      return store.conditionalWrites(first);
    case 'delete':
      return store.delete(first, second);
    case 'query':
      return store.query(first);
    case 'batch':
      return store.batch(first);
    case 'ping':
      return store.ping();
    default:
      return Promise.reject(new Error(`unknown store method ${method}`));
  }
}

function send(reply: ChildReply): void {
  process.send?.(reply);
}

async function serve(path: string): Promise<void> {
  const store = await SqliteStore.open({ path, expiredRowPurgeIntervalMs: 0 });
  process.on('message', (request: ChildRequest) => {
    if (request.method === 'close') {
      void store.close().then(() => {
        send({ id: request.id, ok: true, value: undefined });
        process.disconnect();
      });
      return;
    }
    dispatch(store, request.method, request.args).then(
      (value) => send({ id: request.id, ok: true, value }),
      (error: unknown) =>
        send({
          id: request.id,
          ok: false,
          error: {
            message: error instanceof Error ? error.message : String(error),
            code: (error as { code?: string }).code,
            retryable: (error as { retryable?: boolean }).retryable,
          },
        }),
    );
  });
  // If the test process dies, the IPC channel closes: leave at once rather than linger.
  process.once('disconnect', () => {
    void store.close().finally(() => process.exit(0));
  });
  send({ id: 0, ok: true, value: 'ready' });
}

serve(process.argv[2]).catch((error: unknown) => {
  send({ id: 0, ok: false, error: { message: String(error) } });
  process.exitCode = 1;
  process.disconnect();
});
