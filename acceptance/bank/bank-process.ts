import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { issueToken } from '@corebank/platform-auth';

import { ApnsTestServer } from '../../apps/notifications/src/testing/apns-test-server';
import {
  apnsSigningKeyPair,
  selfSignedCertificate,
} from '../../apps/notifications/src/testing/test-certificates';
import type { BankUnderTest } from '../scenarios/bank-under-test';

const REPOSITORY_ROOT = resolve(__dirname, '../..');
const BANK_MAIN = join(REPOSITORY_ROOT, 'apps/bank/src/main.ts');
const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;
const PUSH_POLL_MS = 50;
const OUTPUT_CHARS_KEPT_MAX = 200_000;
const CUSTOMER_TOKEN_TTL_SECONDS = 3_600;
/** The issuer the bank's customer APIs expect (apps/bank: one token works on every API). */
const CUSTOMER_TOKEN_ISSUER = 'corebank';
const APNS_KEY_ID = 'KEYID12345';
const APNS_TEAM_ID = 'TEAMID6789';
const APNS_TOPIC = 'bank.corebank.app';

interface ReadyLine {
  readonly soapUrl: string;
  readonly cardsAddress: string;
  readonly feedUrl: string;
  readonly notificationsUrl: string;
}

/** The one-process bank in a child process, and the BankUnderTest that reaches it. */
export interface BankProcess {
  readonly bank: BankUnderTest;
  readonly ready: ReadyLine;
  /** The HS256 key the bank's customer APIs verify with (the prober signs with it too). */
  readonly customerTokenSecret: string;
  /** The bank's embedded bus file (apps/bank: <data>/event-bus/bus.db), to read its events. */
  readonly embeddedBusPath: string;
  output(): string;
  stop(): Promise<void>;
}

export interface BankProcessOptions {
  /** Point the bank's notifications at a local APNs test server, so pushes can be checked. */
  readonly withApnsTestServer: boolean;
  /** Extra environment for the bank. */
  readonly env?: Readonly<Record<string, string>>;
}

export function customerTokenFor(secret: string, accountId: string): string {
  return issueToken(
    {
      customerId: `test-customer-${accountId}`,
      accounts: [{ id: accountId, description: 'Test account', created: new Date().toISOString() }],
      issuer: CUSTOMER_TOKEN_ISSUER,
      nowMs: Date.now(),
      ttlSeconds: CUSTOMER_TOKEN_TTL_SECONDS,
    },
    { algorithm: 'HS256', secret },
  );
}

async function waitForPush(
  apns: ApnsTestServer,
  deviceToken: string,
  predicate: (payload: unknown) => boolean,
  timeoutMs: number,
): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const push = apns.accepted.find(
      (candidate) => candidate.deviceToken === deviceToken && predicate(candidate.payload),
    );
    if (push !== undefined) {
      return push.payload;
    }
    if (Date.now() >= deadline) {
      throw new Error(`no matching push to ${deviceToken.slice(0, 8)}… in ${timeoutMs} ms`);
    }
    await new Promise((resolvePromise) => setTimeout(resolvePromise, PUSH_POLL_MS));
  }
}

/**
 * Starts acceptance/bank/start-bank-with-customer-key.ts (the bank of `npm start`, with a known
 * customer-token key) on free ports with a temp data directory, and waits for its ready line.
 */
export async function startBankProcess(options: BankProcessOptions): Promise<BankProcess> {
  const directory = mkdtempSync(join(tmpdir(), 'acceptance-bank-'));
  const customerTokenSecret = randomBytes(32).toString('base64url');
  let apns: ApnsTestServer | undefined;
  const apnsEnv: Record<string, string> = {};
  if (options.withApnsTestServer) {
    const tls = selfSignedCertificate(directory);
    const signing = apnsSigningKeyPair();
    apns = await ApnsTestServer.start({
      keyPem: tls.keyPem,
      certPem: tls.certPem,
      signingPublicKeyPem: signing.publicKeyPem,
      keyId: APNS_KEY_ID,
      teamId: APNS_TEAM_ID,
      topic: APNS_TOPIC,
    });
    const keyPath = join(directory, `AuthKey_${APNS_KEY_ID}.p8`);
    writeFileSync(keyPath, signing.privateKeyPem);
    Object.assign(apnsEnv, {
      APNS_ORIGIN: apns.origin,
      APNS_KEY_PATH: keyPath,
      APNS_KEY_ID,
      APNS_TEAM_ID,
      APNS_TOPIC,
      APNS_CA_PATH: tls.certPath,
    });
  }
  const child = spawn(process.execPath, ['-r', '@swc-node/register', BANK_MAIN], {
    cwd: REPOSITORY_ROOT,
    env: {
      ...process.env,
      BANK_DATA_DIR: join(directory, 'data'),
      BANK_LEDGER_GRPC_PORT: '0',
      BANK_AUTHORIZATION_GRPC_PORT: '0',
      BANK_SOAP_PORT: '0',
      BANK_FEED_PORT: '0',
      BANK_NOTIFICATIONS_PORT: '0',
      BANK_PUBLIC_PORT: '0',
      BANK_OPS_PORT_BASE: '0',
      // A shared busy machine: the scenarios test behaviour; latency is the benchmark's job.
      BANK_SOAP_DEADLINE_BUDGET_MS: '1000',
      LOG_LEVEL: 'warn',
      BANK_CUSTOMER_TOKEN_SECRET: customerTokenSecret,
      ...apnsEnv,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_CHARS_KEPT_MAX);
  };
  child.stderr.on('data', keep);
  const cleanUp = async (): Promise<void> => {
    await apns?.close();
    rmSync(directory, { recursive: true, force: true });
  };
  let ready: ReadyLine;
  try {
    ready = await readyLineOf(child, keep, () => output);
  } catch (error) {
    child.kill('SIGKILL');
    await cleanUp();
    throw error;
  }
  const server = apns;
  const bank: BankUnderTest = {
    soapUrl: ready.soapUrl,
    cardsGrpcAddress: ready.cardsAddress,
    feedUrl: ready.feedUrl,
    notificationsUrl: ready.notificationsUrl,
    customerToken: (accountId) => Promise.resolve(customerTokenFor(customerTokenSecret, accountId)),
    ...(server !== undefined
      ? {
          pushes: {
            waitForPush: (deviceToken, predicate, timeoutMs) =>
              waitForPush(server, deviceToken, predicate, timeoutMs),
          },
        }
      : {}),
  };
  return {
    bank,
    ready,
    customerTokenSecret,
    embeddedBusPath: join(directory, 'data', 'event-bus', 'bus.db'),
    output: () => output,
    stop: async () => {
      await stopChild(child, () => output);
      await cleanUp();
    },
  };
}

function readyLineOf(
  child: ChildProcess,
  keep: (chunk: Buffer) => void,
  output: () => string,
): Promise<ReadyLine> {
  return new Promise((resolvePromise, reject) => {
    let pending = '';
    let resolved = false;
    const timer = setTimeout(
      () => reject(new Error(`bank not ready in ${READY_TIMEOUT_MS} ms:\n${output()}`)),
      READY_TIMEOUT_MS,
    );
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`bank exited with ${String(code)} before ready:\n${output()}`));
    };
    child.once('exit', onExit);
    child.stdout?.on('data', (chunk: Buffer) => {
      keep(chunk);
      if (resolved) {
        return;
      }
      pending += chunk.toString('utf8');
      const line = pending
        .split('\n')
        .find((candidate) => candidate.startsWith('{') && candidate.includes('"bank ready"'));
      if (line !== undefined) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolved = true;
        pending = '';
        resolvePromise(JSON.parse(line) as ReadyLine);
      }
    });
  });
}

function stopChild(child: ChildProcess, output: () => string): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bank did not stop in ${STOP_TIMEOUT_MS} ms:\n${output()}`));
    }, STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolvePromise();
    });
    child.kill('SIGINT');
  });
}
