/**
 * A lock holder in its own process, for the crash test in etcd-distributed-locks.int-spec.ts:
 * acquires one lock, prints its fencing token as one JSON line, then holds it (the lease keepalive
 * keeps the process running) until the test kills it.
 * Arguments: <etcd endpoint> <prefix> <key> <ttlMs>.
 */
import { EtcdDistributedLocks } from './etcd-distributed-locks';

/** If the parent test dies without killing us, stop on our own rather than hold etcd forever. */
const ORPHAN_EXIT_AFTER_MS = 60_000;

async function main(): Promise<void> {
  const [endpoint, prefix, key, ttlMs] = process.argv.slice(2);
  if (endpoint === undefined || prefix === undefined || key === undefined || ttlMs === undefined) {
    throw new Error('usage: etcd-lock-holder.child.ts <endpoint> <prefix> <key> <ttlMs>');
  }
  setTimeout(() => process.exit(2), ORPHAN_EXIT_AFTER_MS).unref();
  const locks = new EtcdDistributedLocks({
    endpoints: [endpoint],
    prefix,
    requestTimeoutMs: 2_000,
  });
  const lock = await locks.acquire(key, { ttlMs: Number(ttlMs), waitTimeoutMs: 10_000 });
  process.stdout.write(`${JSON.stringify({ fencingToken: lock.fencingToken.toString() })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
