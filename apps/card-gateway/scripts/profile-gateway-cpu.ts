/**
 * CPU per decide message of the card-gateway as production runs it (its main.ts in a child
 * process: tracing, metrics and logging as configured), in front of a grpc-js test double of
 * authorization in this process. Measures the child's CPU from /proc/<pid>/stat over the measured
 * messages, writes a V8 CPU profile (`--cpu-prof`) of the child and prints the functions and
 * packages with the most self time.
 *
 *   node -r @swc-node/register apps/card-gateway/scripts/profile-gateway-cpu.ts [profile-dir]
 *
 * Not a test: it asserts nothing. Linux only (/proc).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { AuthorizationServiceTestDouble } from '../src/testing/authorization-service.test-double';
import {
  AUTH_REQUEST_FIELDS,
  getTransactionEnvelope,
  WSDL_PATH,
} from '../src/testing/get-transaction-envelope';
import { responseStatusOf, soapPost } from '../src/testing/soap-http-client';

const WARM_UP_MESSAGE_COUNT = 1_000;
const MEASURED_MESSAGE_COUNT = 4_000;
const CONNECTION_COUNT = 4;
const TOP_ENTRY_COUNT = 25;
const START_TIMEOUT_MS = 30_000;
const ENVELOPE = getTransactionEnvelope(AUTH_REQUEST_FIELDS);
/** Kernel clock ticks per second (USER_HZ), 100 on Linux. */
const CLOCK_TICKS_PER_SECOND = 100;

interface CpuProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; lineNumber: number };
  readonly hitCount?: number;
}
interface CpuProfile {
  readonly nodes: readonly CpuProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
}

function cpuMillisOf(pid: number): number {
  // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

function startGateway(authorizationAddress: string, profileDirectory: string): ChildProcess {
  return spawn(
    process.execPath,
    [
      '--cpu-prof',
      `--cpu-prof-dir=${profileDirectory}`,
      '-r',
      '@swc-node/register',
      'apps/card-gateway/src/main.ts',
    ],
    {
      env: {
        // Only what the gateway needs: a profile of a clean environment, nothing inherited.
        SWC_NODE_PROJECT: join(process.cwd(), 'tsconfig.json'),
        CARD_GATEWAY_HOST: '127.0.0.1',
        CARD_GATEWAY_PORT: '0',
        CARD_GATEWAY_AUTH_MODE: 'none',
        CARD_GATEWAY_AUTHORIZATION_ADDRESS: authorizationAddress,
        CARD_GATEWAY_WSDL_PATH: WSDL_PATH,
        CARD_GATEWAY_SHUTDOWN_GRACE_MS: '500',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
}

function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('gateway did not start')), START_TIMEOUT_MS);
    if (child.stdout === null) {
      reject(new Error('no stdout'));
      return;
    }
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (!line.includes('card-gateway listening')) {
        return;
      }
      clearTimeout(timer);
      const parsed = JSON.parse(line) as { port: number };
      resolve(parsed.port);
    });
    child.once('exit', () => reject(new Error('gateway exited before listening')));
  });
}

async function drive(port: number, messageCount: number, agent: Agent): Promise<number> {
  let next = 0;
  let approvedCount = 0;
  const worker = async (): Promise<void> => {
    while (next < messageCount) {
      next += 1;
      const reply = await soapPost(port, ENVELOPE, { agent });
      if (reply.status === 200 && responseStatusOf(reply.body) === '00') {
        approvedCount += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: CONNECTION_COUNT }, () => worker()));
  return approvedCount;
}

function summarise(profile: CpuProfile): void {
  const bySelf = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) {
      continue;
    }
    total += hits;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^file:\/\//, '').replace(`${process.cwd()}/`, '');
    const key = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
    bySelf.set(key, (bySelf.get(key) ?? 0) + hits);
    const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
    const area =
      packageMatch?.[1] ??
      (file === ''
        ? functionName.startsWith('(')
          ? functionName
          : '(native)'
        : file.startsWith('node:')
          ? 'node:internal'
          : file.split('/').slice(0, 3).join('/'));
    byPackage.set(area, (byPackage.get(area) ?? 0) + hits);
  }
  const print = (title: string, entries: Map<string, number>): void => {
    process.stdout.write(`\n${title}\n`);
    for (const [key, hits] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, TOP_ENTRY_COUNT)) {
      process.stdout.write(`${((100 * hits) / total).toFixed(1).padStart(5)} %  ${key}\n`);
    }
  };
  print('self time by package or folder', byPackage);
  print('self time by function', bySelf);
}

async function main(): Promise<void> {
  const profileDirectory = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'gateway-cpu-prof-'));
  const authorization = new AuthorizationServiceTestDouble();
  const address = await authorization.start();
  const child = startGateway(address, profileDirectory);
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTION_COUNT });
  try {
    const port = await listeningPort(child);
    await drive(port, WARM_UP_MESSAGE_COUNT, agent);
    const pid = child.pid ?? 0;
    const cpuBeforeMs = cpuMillisOf(pid);
    const startedAt = performance.now();
    const approvedCount = await drive(port, MEASURED_MESSAGE_COUNT, agent);
    const elapsedMs = performance.now() - startedAt;
    const cpuMs = cpuMillisOf(pid) - cpuBeforeMs;
    process.stdout.write(
      `${JSON.stringify({
        messages: MEASURED_MESSAGE_COUNT,
        approved: approvedCount,
        gatewayCpuMicrosPerMessage: Math.round((cpuMs * 1000) / MEASURED_MESSAGE_COUNT),
        messagesPerSecond: Math.round((MEASURED_MESSAGE_COUNT * 1000) / elapsedMs),
      })}\n`,
    );
  } finally {
    agent.destroy();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
    await authorization.stop();
  }
  const profileFile = readdirSync(profileDirectory).find((name) => name.endsWith('.cpuprofile'));
  if (profileFile === undefined) {
    throw new Error(`no CPU profile written to ${profileDirectory}`);
  }
  process.stdout.write(`profile: ${join(profileDirectory, profileFile)}\n`);
  summarise(JSON.parse(readFileSync(join(profileDirectory, profileFile), 'utf8')) as CpuProfile);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
