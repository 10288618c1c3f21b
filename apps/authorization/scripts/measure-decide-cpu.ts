/**
 * CPU per decide message of the authorization and ledger processes (issue 4).
 *
 * Starts the ledger and the authorization service as child processes from their `main.ts` (the
 * way production and the bench run them: SQLite `synchronous=normal`, embedded bus, production
 * relay interval and group-commit window unless overridden), issues funded cards through
 * CardService, then sends 0100/A purchases over gRPC with a fixed number outstanding. Each round
 * reads utime+stime of both children from /proc/<pid>/stat before and after and prints CPU µs
 * per message; the summary is the median of the rounds. Not a test: it asserts only that every
 * message was approved (`00`), so a broken path cannot pass for a fast one.
 *
 *   node -r @swc-node/register apps/authorization/scripts/measure-decide-cpu.ts
 *   MEASURE_MESSAGES=2000 MEASURE_ROUNDS=5 MEASURE_CONCURRENCY=16 MEASURE_CARDS=50
 *   MEASURE_CPU_PROFILE_DIR=/tmp/prof   (V8 --cpu-prof of both children, written at exit)
 *   MEASURE_SETTLE_MS=300               (idle wait after a round so deferred work is counted)
 *   Extra env for the children: MEASURE_AUTHORIZATION_ENV / MEASURE_LEDGER_ENV as JSON objects.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { authorizationCardsV1, authorizationV1 } from '@corebank/contracts-proto';
import { createRpcClient } from '@corebank/platform-rpc';

import { cardMessage } from '../src/testing/card-message-builder';
import { startLedgerProcess } from '../src/testing/ledger-process';
import { wireCardMessage } from '../src/testing/wire-card-message';
import { loadMeasureSettings } from './config';

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const CALL_TIMEOUT_MS = 10_000;
const WARM_UP_MESSAGES_MAX = 500;

const PURCHASE_MINOR = 123n;

const settings = loadMeasureSettings();
const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of a process in µs (Linux /proc, USER_HZ 100). */
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}

interface AuthorizationChild {
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

async function startAuthorization(
  root: string,
  directory: string,
  ledgerAddress: string,
  nodeArgs: readonly string[],
): Promise<AuthorizationChild> {
  const child = spawn(
    process.execPath,
    [...nodeArgs, '-r', '@swc-node/register', join(root, 'apps/authorization/src/main.ts')],
    {
      cwd: root,
      env: {
        SWC_NODE_PROJECT: join(root, 'tsconfig.json'),
        PATH: settings.path,
        AUTHORIZATION_GRPC_PORT: '0',
        LEDGER_GRPC_ADDRESS: ledgerAddress,
        STORE_SQLITE_PATH: join(directory, 'authorization.db'),
        STORE_SQLITE_SYNCHRONOUS: 'normal',
        EVENT_BUS_PATH: join(directory, 'bus.db'),
        ID_WORKER_SOURCE: 'config',
        ID_WORKER_ID: '2',
        AUTH_SHUTDOWN_GRACE_MS: '1000',
        // One authorization replica: its write-through card cache is exact.
        AUTH_CARD_CACHE_TTL_MS: '1000',
        ...settings.authorizationEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const port = await listeningPort(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port,
    pid: child.pid ?? 0,
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

function listeningPort(child: ChildProcess): Promise<number> {
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 50) {
      stderr.push(chunk.toString());
    }
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`authorization did not start: ${stderr.join('')}`));
    }, START_TIMEOUT_MS);
    if (child.stdout === null) {
      reject(new Error('stdout not piped'));
      return;
    }
    // Keep draining stdout (log lines) so the child never blocks on a full pipe.
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.includes('"grpcPort"')) {
        return;
      }
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed === 'object' && parsed !== null && 'grpcPort' in parsed) {
        clearTimeout(timer);
        resolve(Number(parsed.grpcPort));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`authorization exited with ${String(code)}: ${stderr.join('')}`));
    });
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function main(): Promise<void> {
  const root = join(__dirname, '..', '..', '..');
  const directory = mkdtempSync(join(tmpdir(), 'measure-decide-'));
  const profileArgs = (name: string) =>
    settings.profileDirectory === undefined
      ? []
      : [
          '--cpu-prof',
          `--cpu-prof-dir=${settings.profileDirectory}`,
          `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`,
        ];
  const ledger = await startLedgerProcess(join(directory, 'ledger.db'), 0, {
    nodeArgs: profileArgs('ledger'),
    env: settings.ledgerEnv,
  });
  let authorization: AuthorizationChild | undefined;
  try {
    authorization = await startAuthorization(
      root,
      directory,
      ledger.address,
      profileArgs('authorization'),
    );
    const address = `127.0.0.1:${authorization.port}`;
    const cards = createRpcClient(authorizationCardsV1.CardServiceClient, {
      address,
      defaultTimeoutMs: CALL_TIMEOUT_MS,
      breaker: false,
    });
    const client = createRpcClient(authorizationV1.AuthorizationServiceClient, {
      address,
      defaultTimeoutMs: CALL_TIMEOUT_MS,
      breaker: false,
    });
    const tokens: string[] = [];
    const fundMinor = PURCHASE_MINOR * BigInt(settings.messages * (settings.rounds + 1) + 1_000);
    for (let index = 0; index < settings.cards; index += 1) {
      const account = await cards.call('openAccount', {
        idempotencyKey: `open-${index}`,
        currencyCode: 'GBP',
        customerReference: `measure-${index}`,
        testAccount: false,
      });
      await cards.call('fundAccount', {
        idempotencyKey: `fund-${index}`,
        accountId: account.accountId,
        amountMinor: fundMinor,
      });
      const card = await cards.call('issueCard', {
        idempotencyKey: `issue-${index}`,
        accountId: account.accountId,
        processorToken: '',
        lastFour: '4242',
        expiryMonth: '2030-12',
        activated: true,
        product: {
          productCode: 'standard',
          cashWithdrawalAllowed: true,
          cardNotPresentAllowed: true,
          holdIncludesFees: false,
        },
        controls: undefined,
      });
      tokens.push(card.token);
    }
    let sequence = 0;
    const sendMessages = async (count: number): Promise<void> => {
      let next = 0;
      const worker = async () => {
        while (next < count) {
          next += 1;
          sequence += 1;
          const txnId = `${7_000_000_000 + sequence}`;
          const message = cardMessage({
            txnId,
            token: tokens[sequence % tokens.length],
            payloadHash: `hash-${txnId}`,
            traceidLifecycle: `VIS1-20261122-${txnId}`,
            billAmount: { amountMinor: -PURCHASE_MINOR, currencyCode: 'GBP' },
            txnAmount: { amountMinor: PURCHASE_MINOR, currencyCode: 'GBP' },
          });
          const answer = await client.call('processCardMessage', {
            message: wireCardMessage(message),
          });
          if (answer.responseCode !== '00') {
            throw new Error(`decide answered ${answer.responseCode} for ${txnId}`);
          }
        }
      };
      await Promise.all(Array.from({ length: settings.concurrency }, () => worker()));
    };
    const settle = () => new Promise((resolve) => setTimeout(resolve, settings.settleMs));
    await sendMessages(Math.min(WARM_UP_MESSAGES_MAX, settings.messages));
    await settle();
    const rounds: {
      authorizationUs: number;
      ledgerUs: number;
      driverUs: number;
      perSecond: number;
    }[] = [];
    for (let round = 0; round < settings.rounds; round += 1) {
      const authorizationBefore = cpuMicros(authorization.pid);
      const ledgerBefore = cpuMicros(ledger.pid);
      const driverBefore = process.cpuUsage();
      const startedMs = performance.now();
      await sendMessages(settings.messages);
      const elapsedMs = performance.now() - startedMs;
      const driver = process.cpuUsage(driverBefore);
      // Deferred work (outbox relay, group commits) belongs to these messages too.
      await settle();
      const result = {
        authorizationUs: (cpuMicros(authorization.pid) - authorizationBefore) / settings.messages,
        ledgerUs: (cpuMicros(ledger.pid) - ledgerBefore) / settings.messages,
        driverUs: (driver.user + driver.system) / settings.messages,
        perSecond: (settings.messages * 1000) / elapsedMs,
      };
      rounds.push(result);
      process.stdout.write(`${JSON.stringify({ round: round + 1, ...roundTo(result) })}\n`);
    }
    process.stdout.write(
      `${JSON.stringify({
        summary: 'median of rounds, CPU µs per decide message',
        messagesPerRound: settings.messages,
        concurrency: settings.concurrency,
        cards: settings.cards,
        authorizationUs: Math.round(median(rounds.map((entry) => entry.authorizationUs))),
        ledgerUs: Math.round(median(rounds.map((entry) => entry.ledgerUs))),
        driverUs: Math.round(median(rounds.map((entry) => entry.driverUs))),
        decidesPerSecond: Math.round(median(rounds.map((entry) => entry.perSecond))),
      })}\n`,
    );
    cards.close();
    client.close();
  } finally {
    await authorization?.stop();
    await ledger.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

function roundTo(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, Math.round(value)]));
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error instanceof Error ? error.stack : error)}\n`);
  process.exit(1);
});
