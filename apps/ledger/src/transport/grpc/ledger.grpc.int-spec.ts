import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

import { ledgerV1 } from '@corebank/contracts-proto';
import { createRpcClient, type RpcClient } from '@corebank/platform-rpc';

import { makeTempDir } from '../../testing/ledger-test-kit';

const MAIN_PATH = join(__dirname, '..', '..', 'main.ts');
const WORKSPACE_ROOT = join(__dirname, '..', '..', '..', '..', '..');
const START_TIMEOUT_MS = 45_000;

type LedgerClient = RpcClient<typeof ledgerV1.LedgerServiceService>;

interface LedgerProcess {
  readonly port: number;
  readonly child: ChildProcess;
  readonly client: LedgerClient;
  /** SIGTERM and wait for exit (graceful). */
  stop(): Promise<void>;
  /** SIGKILL: the process dies between any two instructions. */
  kill(): Promise<void>;
}

/**
 * Starts apps/ledger/src/main.ts as a child process (TypeScript through @swc-node/register) on a
 * free port chosen by the OS, and a gRPC client to it. Test-only.
 */
async function startLedgerProcess(env: Record<string, string>): Promise<LedgerProcess> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', MAIN_PATH], {
    cwd: WORKSPACE_ROOT,
    env: { ...process.env, LEDGER_GRPC_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const port = await new Promise<number>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ledger did not start in time: ${stderr}`));
    }, START_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /"grpcPort":(\d+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ledger exited with ${String(code)} before listening: ${stderr}`));
    });
  });
  const client: LedgerClient = createRpcClient(ledgerV1.LedgerServiceClient, {
    address: `127.0.0.1:${port}`,
    defaultTimeoutMs: 20_000,
    breaker: false,
    retry: { attemptCountMax: 1, backoffInitialMs: 1, backoffMaxMs: 1 },
    channelOptions: { 'grpc.max_receive_message_length': 16 * 1024 * 1024 },
  });
  const signal = async (name: NodeJS.Signals): Promise<void> => {
    client.close();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(name);
    }
    await exited;
  };
  return { port, child, client, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') };
}

const { CreateTransferResult: Result } = ledgerV1;
const CUSTOMER = '501';
const MERCHANT = '502';
const FUNDING = '503';
const EURO = '504';

function newTransfer(
  fields: Parameters<typeof ledgerV1.NewTransfer.fromPartial>[0] & { id: string },
): ledgerV1.NewTransfer {
  return ledgerV1.NewTransfer.fromPartial({ currencyCode: 'GBP', ...fields });
}

async function seedAccounts(client: LedgerClient, fundMinor: string): Promise<void> {
  const account = (
    id: string,
    code: ledgerV1.AccountCode,
    currencyCode = 'GBP',
    customer = false,
  ) =>
    ledgerV1.NewAccount.fromPartial({
      id,
      currencyCode,
      currencyExponent: 2,
      code,
      flags: { debitsMustNotExceedCredits: customer, creditsMustNotExceedDebits: false },
    });
  const created = await client.call('createAccounts', {
    accounts: [
      account(CUSTOMER, ledgerV1.AccountCode.ACCOUNT_CODE_CUSTOMER, 'GBP', true),
      account(MERCHANT, ledgerV1.AccountCode.ACCOUNT_CODE_CARD_CLEARING),
      account(FUNDING, ledgerV1.AccountCode.ACCOUNT_CODE_FUNDING),
      account(EURO, ledgerV1.AccountCode.ACCOUNT_CODE_FUNDING, 'EUR'),
    ],
  });
  expect(
    created.results.every(
      (result) => result === ledgerV1.CreateAccountResult.CREATE_ACCOUNT_RESULT_OK,
    ),
  ).toBe(true);
  const funded = await client.call('createTransfers', {
    transfers: [
      newTransfer({
        id: '1',
        debitAccountId: FUNDING,
        creditAccountId: CUSTOMER,
        amountMinor: fundMinor,
      }),
    ],
  });
  expect(funded.results).toEqual([Result.CREATE_TRANSFER_RESULT_OK]);
}

async function postedBalances(client: LedgerClient): Promise<Map<string, ledgerV1.Account>> {
  const { accounts } = await client.call('lookupAccounts', {
    ids: [CUSTOMER, MERCHANT, FUNDING, EURO],
  });
  return new Map(accounts.map((account) => [account.id, account]));
}

function expectBooksBalanced(accounts: Map<string, ledgerV1.Account>): void {
  let debits = 0n;
  let credits = 0n;
  let debitsPending = 0n;
  let creditsPending = 0n;
  for (const account of accounts.values()) {
    debits += BigInt(account.debitsPostedMinor);
    credits += BigInt(account.creditsPostedMinor);
    debitsPending += BigInt(account.debitsPendingMinor);
    creditsPending += BigInt(account.creditsPendingMinor);
  }
  expect(debits).toBe(credits);
  expect(debitsPending).toBe(creditsPending);
}

describe('ledger over gRPC (child processes, real client)', () => {
  let dir: ReturnType<typeof makeTempDir>;
  const processes: LedgerProcess[] = [];

  const start = async (
    workerId: number,
    extra: Record<string, string> = {},
  ): Promise<LedgerProcess> => {
    const ledger = await startLedgerProcess({
      STORE_SQLITE_PATH: join(dir.path, 'ledger.db'),
      LEDGER_WORKER_ID: String(workerId),
      STORE_SQLITE_SYNCHRONOUS: 'normal',
      LEDGER_COMMIT_LEASE_MS: '500',
      LEDGER_EXPIRY_SWEEP_INTERVAL_MS: '200',
      ...extra,
    });
    processes.push(ledger);
    return ledger;
  };

  beforeEach(() => {
    dir = makeTempDir('ledger-grpc-');
  });

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((ledger) => ledger.kill()));
    dir.remove();
  });

  it('answers bad input with item errors and writes nothing of a failed chain', async () => {
    const { client } = await start(1);
    await seedAccounts(client, '1000');
    const before = await postedBalances(client);
    const bad = [
      newTransfer({ id: '10', debitAccountId: CUSTOMER, creditAccountId: '999', amountMinor: '5' }),
      newTransfer({
        id: '11',
        debitAccountId: CUSTOMER,
        creditAccountId: MERCHANT,
        amountMinor: '0',
      }),
      newTransfer({ id: '12', debitAccountId: CUSTOMER, creditAccountId: EURO, amountMinor: '5' }),
      newTransfer({
        id: '13',
        debitAccountId: CUSTOMER,
        creditAccountId: MERCHANT,
        amountMinor: '18446744073709551616',
      }),
      newTransfer({
        id: '14',
        debitAccountId: CUSTOMER,
        creditAccountId: MERCHANT,
        amountMinor: '-5',
      }),
      newTransfer({
        id: '15',
        debitAccountId: CUSTOMER,
        creditAccountId: MERCHANT,
        amountMinor: '5',
        currencyCode: 'EUR',
      }),
      newTransfer({
        id: '16',
        debitAccountId: CUSTOMER,
        creditAccountId: MERCHANT,
        amountMinor: '5000',
      }),
    ];
    const chain = [
      newTransfer({
        id: '20',
        debitAccountId: CUSTOMER,
        creditAccountId: MERCHANT,
        amountMinor: '5',
        flags: { linked: true },
      }),
      newTransfer({
        id: '21',
        debitAccountId: CUSTOMER,
        creditAccountId: MERCHANT,
        amountMinor: '99999',
      }),
    ];
    const { results } = await client.call('createTransfers', { transfers: [...bad, ...chain] });
    expect(results).toEqual([
      Result.CREATE_TRANSFER_RESULT_CREDIT_ACCOUNT_NOT_FOUND,
      Result.CREATE_TRANSFER_RESULT_AMOUNT_MUST_NOT_BE_ZERO,
      Result.CREATE_TRANSFER_RESULT_ACCOUNTS_MUST_HAVE_THE_SAME_CURRENCY,
      Result.CREATE_TRANSFER_RESULT_AMOUNT_EXCEEDS_UINT64,
      Result.CREATE_TRANSFER_RESULT_AMOUNT_MALFORMED,
      Result.CREATE_TRANSFER_RESULT_TRANSFER_MUST_HAVE_THE_SAME_CURRENCY_AS_ACCOUNTS,
      Result.CREATE_TRANSFER_RESULT_EXCEEDS_CREDITS,
      Result.CREATE_TRANSFER_RESULT_LINKED_EVENT_FAILED,
      Result.CREATE_TRANSFER_RESULT_EXCEEDS_CREDITS,
    ]);
    const { transfers } = await client.call('lookupTransfers', {
      ids: ['10', '11', '12', '13', '14', '15', '16', '20', '21'],
    });
    expect(transfers).toHaveLength(0);
    expect(await postedBalances(client)).toEqual(before);
    const tooMany = Array.from({ length: 8191 }, (_, index) =>
      newTransfer({ id: String(100_000 + index) }),
    );
    await expect(client.call('createTransfers', { transfers: tooMany })).rejects.toMatchObject({
      code: 'invalid.ledger_batch_too_large',
    });
    const balances = await client.call('getAccountBalances', { accountIds: [CUSTOMER] });
    expect(balances.balances).toEqual([
      {
        accountId: CUSTOMER,
        currencyCode: 'GBP',
        currencyExponent: 2,
        ledgerBalanceMinor: '1000',
        availableBalanceMinor: '1000',
      },
    ]);
  });

  it('loses no update with two ledger processes each sending 50 concurrent transfers on the same accounts', async () => {
    const first = await start(1);
    const second = await start(2);
    await seedAccounts(first.client, '100000');
    const send = (client: LedgerClient, idBase: number) =>
      Array.from({ length: 50 }, (_, index) =>
        client.call('createTransfers', {
          transfers: [
            newTransfer({
              id: String(idBase + index),
              debitAccountId: CUSTOMER,
              creditAccountId: MERCHANT,
              amountMinor: '3',
            }),
          ],
        }),
      );
    const responses = await Promise.all([
      ...send(first.client, 10_000),
      ...send(second.client, 20_000),
    ]);
    expect(
      responses
        .flatMap((response) => response.results)
        .every((result) => result === Result.CREATE_TRANSFER_RESULT_OK),
    ).toBe(true);
    const accounts = await postedBalances(second.client);
    expect(accounts.get(CUSTOMER)?.debitsPostedMinor).toBe('300');
    expect(accounts.get(MERCHANT)?.creditsPostedMinor).toBe('300');
    expectBooksBalanced(accounts);
    const page = await first.client.call('getAccountTransfers', {
      accountId: MERCHANT,
      afterTransferId: '',
      limit: 1000,
    });
    expect(page.transfers).toHaveLength(100);
  });

  it('keeps every acknowledged transfer and balanced books across kill -9 and restart', async () => {
    const ledger = await start(1);
    await seedAccounts(ledger.client, '1000000');
    const acknowledged = new Set<string>();
    const attempted = new Map<string, ledgerV1.NewTransfer[]>();
    let nextId = 1_000;
    let killed = false;
    const writer = async (): Promise<void> => {
      // Bounded: at most 400 requests per writer even if the kill came late.
      for (let request = 0; request < 400 && !killed; request += 1) {
        const transfers = Array.from({ length: 5 }, () =>
          newTransfer({
            id: String(nextId++),
            debitAccountId: CUSTOMER,
            creditAccountId: MERCHANT,
            amountMinor: '2',
          }),
        );
        attempted.set(transfers[0].id, transfers);
        try {
          const response = await ledger.client.call('createTransfers', { transfers });
          expect(
            response.results.every((result) => result === Result.CREATE_TRANSFER_RESULT_OK),
          ).toBe(true);
          transfers.forEach((transfer) => acknowledged.add(transfer.id));
        } catch {
          return;
        }
      }
    };
    let writersDone = 0;
    const writers = Array.from({ length: 4 }, () => writer().finally(() => (writersDone += 1)));
    while (acknowledged.size < 200 && writersDone < writers.length) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // The kill must land while the stream is still flowing.
    expect(writersDone).toBe(0);
    killed = true;
    await ledger.kill();
    await Promise.all(writers);

    const restarted = await start(2);
    const allIds = [...attempted.values()].flat().map((transfer) => transfer.id);
    const present = new Set<string>();
    for (let offset = 0; offset < allIds.length; offset += 1000) {
      const { transfers } = await restarted.client.call('lookupTransfers', {
        ids: allIds.slice(offset, offset + 1000),
      });
      transfers.forEach((transfer) => present.add(transfer.id));
    }
    for (const id of acknowledged) {
      expect(present.has(id)).toBe(true);
    }
    // Each request is all-or-nothing: a request's transfers are all present or all absent.
    for (const transfers of attempted.values()) {
      const count = transfers.filter((transfer) => present.has(transfer.id)).length;
      expect([0, transfers.length]).toContain(count);
    }
    let accounts = await postedBalances(restarted.client);
    expectBooksBalanced(accounts);
    expect(accounts.get(MERCHANT)?.creditsPostedMinor).toBe(String(present.size * 2));
    // Replaying every request once more applies exactly the missing ones.
    for (const transfers of attempted.values()) {
      const { results } = await restarted.client.call('createTransfers', { transfers });
      const expected = present.has(transfers[0].id)
        ? Result.CREATE_TRANSFER_RESULT_EXISTS
        : Result.CREATE_TRANSFER_RESULT_OK;
      expect(results.every((result) => result === expected)).toBe(true);
    }
    accounts = await postedBalances(restarted.client);
    expectBooksBalanced(accounts);
    expect(accounts.get(MERCHANT)?.creditsPostedMinor).toBe(String(allIds.length * 2));
  });
});
