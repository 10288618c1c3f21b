import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { EngineMissingError } from './require-engine';

export interface EtcdServer {
  /** e.g. `http://127.0.0.1:23791`, for the etcd3 client's `hosts`. */
  readonly endpoint: string;
  readonly process: ChildProcess;
  /** Stops the server and deletes its data directory. */
  stop(): Promise<void>;
}

function etcdBinary(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' }).trim();
  } catch {
    throw new EngineMissingError('etcd', 'etcd-server');
  }
}

async function waitHealthy(endpoint: string, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  let lastError: unknown;
  while (Date.now() < until) {
    try {
      const response = await fetch(`${endpoint}/health`);
      if (response.ok) {
        const body = (await response.json()) as { health?: string };
        if (body.health === 'true') {
          return;
        }
      }
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`etcd at ${endpoint} not healthy in ${deadlineMs} ms: ${String(lastError)}`);
}

/**
 * Starts the real Debian etcd on free loopback ports with its data in a temp dir. The server is
 * killed when `stop()` is called or, as a safety net, when the test process exits.
 */
export async function startEtcd(): Promise<EtcdServer> {
  const binary = etcdBinary();
  const dataDir = mkdtempSync(join(tmpdir(), 'corebank-etcd-'));
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child = spawn(
    binary,
    [
      '--name=test',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=test=${peer}`,
      '--log-level=error',
      '--logger=zap',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    await waitHealthy(endpoint, 10_000);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  return { endpoint, process: child, stop };
}
