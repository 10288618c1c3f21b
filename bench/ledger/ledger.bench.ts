/**
 * Ledger throughput and latency on the embedded store, in one process.
 *
 *   node -r @swc-node/register bench/ledger/ledger.bench.ts
 *
 * Env: BENCH_LEDGER_ACCOUNTS (default 1000), BENCH_LEDGER_TRANSFERS_PER_CASE (default 50000),
 * BENCH_LEDGER_SYNCHRONOUS (normal|full, default normal), BENCH_LEDGER_CASES (comma list).
 * Not part of the test suite; prints, for each case, the baseline run just before it and the case
 * with its rate divided by that baseline's.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';

import { ledgerV1 } from '@corebank/contracts-proto';
import { createRpcClient, RpcServer } from '@corebank/platform-rpc';

import { NO_FLAGS, type TransferInput } from '../../apps/ledger/src/domain/transfer';
import {
  accountInput,
  makeTempDir,
  OffsetClock,
  openLedgerInstance,
  type LedgerInstance,
} from '../../apps/ledger/src/testing/ledger-test-kit';
import { createLedgerGrpcHandlers } from '../../apps/ledger/src/transport/grpc/ledger.grpc-handler';

const ACCOUNT_COUNT = Number(process.env['BENCH_LEDGER_ACCOUNTS'] ?? 1000);
const TRANSFERS_PER_CASE = Number(process.env['BENCH_LEDGER_TRANSFERS_PER_CASE'] ?? 50_000);
const SYNCHRONOUS = process.env['BENCH_LEDGER_SYNCHRONOUS'] === 'full' ? 'full' : 'normal';
const FUNDING_ID = 1;
const FIRST_CUSTOMER_ID = 10;

/** Single-transfer calls are slow by nature; a tenth of the transfers keeps the run short. */
function transfersFor(batchSize: number): number {
  return batchSize === 1 ? Math.ceil(TRANSFERS_PER_CASE / 10) : TRANSFERS_PER_CASE;
}

interface CaseResult {
  readonly name: string;
  readonly transfers: number;
  readonly transfersPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

let nextTransferId = 1_000_000;
let seed = 42;
function random(): number {
  // Deterministic xorshift so every run (and the baseline) draws the same account pairs.
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x1_0000_0000;
}

function randomPair(): [number, number] {
  const debit = FIRST_CUSTOMER_ID + Math.floor(random() * ACCOUNT_COUNT);
  let credit = FIRST_CUSTOMER_ID + Math.floor(random() * ACCOUNT_COUNT);
  if (credit === debit) {
    credit = debit === FIRST_CUSTOMER_ID ? debit + 1 : debit - 1;
  }
  return [debit, credit];
}

function makeBatch(size: number): TransferInput[] {
  return Array.from({ length: size }, () => {
    const [debit, credit] = randomPair();
    return {
      id: String(nextTransferId++),
      debitAccountId: String(debit),
      creditAccountId: String(credit),
      amountMinor: 1n,
      currencyCode: 'GBP',
      pendingId: '',
      timeoutSeconds: 0,
      userData: '',
      flags: NO_FLAGS,
    };
  });
}

function percentile(sortedMs: readonly number[], fraction: number): number {
  return sortedMs[Math.min(sortedMs.length - 1, Math.floor(sortedMs.length * fraction))] ?? 0;
}

async function runCase(
  name: string,
  batchSize: number,
  concurrency: number,
  send: (batch: TransferInput[]) => Promise<readonly string[]>,
): Promise<CaseResult> {
  const callCount = Math.max(concurrency, Math.ceil(transfersFor(batchSize) / batchSize));
  const latenciesMs: number[] = [];
  let issued = 0;
  const startedAt = performance.now();
  const worker = async (): Promise<void> => {
    while (issued < callCount) {
      issued += 1;
      const batch = makeBatch(batchSize);
      const callStartedAt = performance.now();
      const results = await send(batch);
      latenciesMs.push(performance.now() - callStartedAt);
      if (results.some((result) => result !== 'ok')) {
        throw new Error(`${name}: unexpected results ${[...new Set(results)].join(',')}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  const elapsedS = (performance.now() - startedAt) / 1000;
  latenciesMs.sort((left, right) => left - right);
  const transfers = callCount * batchSize;
  return {
    name,
    transfers,
    transfersPerSecond: transfers / elapsedS,
    p50Ms: percentile(latenciesMs, 0.5),
    p99Ms: percentile(latenciesMs, 0.99),
  };
}

async function openSeededLedger(path: string): Promise<LedgerInstance> {
  const ledger = await openLedgerInstance({
    path,
    workerId: 1,
    clock: new OffsetClock(),
    synchronous: SYNCHRONOUS,
  });
  const ids = [
    FUNDING_ID,
    ...Array.from({ length: ACCOUNT_COUNT }, (_, index) => FIRST_CUSTOMER_ID + index),
  ];
  for (let start = 0; start < ids.length; start += 1000) {
    await ledger.app.createAccounts.execute({
      accounts: ids.slice(start, start + 1000).map((id) => accountInput(String(id))),
    });
  }
  return ledger;
}

/** The least SQL a transfer needs, in a plain loop: one SQLite transaction per batch. */
function baselineCase(path: string, batchSize: number): CaseResult {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${SYNCHRONOUS === 'full' ? 'FULL' : 'NORMAL'}`);
  db.exec(
    'CREATE TABLE accounts (id INTEGER PRIMARY KEY, debits_posted INTEGER NOT NULL, credits_posted INTEGER NOT NULL);' +
      'CREATE TABLE transfers (id INTEGER PRIMARY KEY, debit_account_id INTEGER NOT NULL, credit_account_id INTEGER NOT NULL, amount INTEGER NOT NULL);',
  );
  const insertAccount = db.prepare('INSERT INTO accounts VALUES (?, 0, 0)');
  db.transaction(() => {
    for (let index = 0; index < ACCOUNT_COUNT; index += 1) {
      insertAccount.run(FIRST_CUSTOMER_ID + index);
    }
  })();
  const select = db.prepare('SELECT debits_posted, credits_posted FROM accounts WHERE id = ?');
  const updateDebit = db.prepare('UPDATE accounts SET debits_posted = ? WHERE id = ?');
  const updateCredit = db.prepare('UPDATE accounts SET credits_posted = ? WHERE id = ?');
  const insertTransfer = db.prepare('INSERT INTO transfers VALUES (?, ?, ?, ?)');
  const applyBatch = db.transaction((batch: TransferInput[]) => {
    for (const transfer of batch) {
      const debit = select.get(transfer.debitAccountId) as { debits_posted: number };
      const credit = select.get(transfer.creditAccountId) as { credits_posted: number };
      updateDebit.run(debit.debits_posted + 1, transfer.debitAccountId);
      updateCredit.run(credit.credits_posted + 1, transfer.creditAccountId);
      insertTransfer.run(transfer.id, transfer.debitAccountId, transfer.creditAccountId, 1);
    }
  });
  const callCount = Math.ceil(transfersFor(batchSize) / batchSize);
  const latenciesMs: number[] = [];
  const startedAt = performance.now();
  for (let call = 0; call < callCount; call += 1) {
    const batch = makeBatch(batchSize);
    const callStartedAt = performance.now();
    applyBatch(batch);
    latenciesMs.push(performance.now() - callStartedAt);
  }
  const elapsedS = (performance.now() - startedAt) / 1000;
  db.close();
  latenciesMs.sort((left, right) => left - right);
  return {
    name: `baseline better-sqlite3 batch ${batchSize}`,
    transfers: callCount * batchSize,
    transfersPerSecond: (callCount * batchSize) / elapsedS,
    p50Ms: percentile(latenciesMs, 0.5),
    p99Ms: percentile(latenciesMs, 0.99),
  };
}

function print(result: CaseResult, baseline?: CaseResult): void {
  const ratio = baseline
    ? ` ratio_to_baseline=${(result.transfersPerSecond / baseline.transfersPerSecond).toFixed(3)}`
    : '';
  process.stdout.write(
    `${result.name.padEnd(44)} transfers=${result.transfers} rate=${Math.round(result.transfersPerSecond)}/s ` +
      `p50=${result.p50Ms.toFixed(2)}ms p99=${result.p99Ms.toFixed(2)}ms${ratio}\n`,
  );
}

async function main(): Promise<void> {
  const dir = makeTempDir('ledger-bench-');
  process.stdout.write(
    `ledger bench: accounts=${ACCOUNT_COUNT} transfers_per_case=${TRANSFERS_PER_CASE} synchronous=${SYNCHRONOUS}\n`,
  );
  try {
    const ledger = await openSeededLedger(join(dir.path, 'ledger.db'));
    const server = new RpcServer({
      channelOptions: { 'grpc.max_receive_message_length': 16 * 1024 * 1024 },
    });
    server.addService(ledgerV1.LedgerServiceService, createLedgerGrpcHandlers(ledger.app));
    const port = await server.listen('127.0.0.1', 0);
    const client = createRpcClient(ledgerV1.LedgerServiceClient, {
      address: `127.0.0.1:${port}`,
      defaultTimeoutMs: 60_000,
      breaker: false,
      retry: { attemptCountMax: 1, backoffInitialMs: 1, backoffMaxMs: 1 },
      channelOptions: { 'grpc.max_send_message_length': 16 * 1024 * 1024 },
    });
    const viaApplication = (batch: TransferInput[]) =>
      ledger.app.createTransfers.execute({ transfers: batch });
    const okName =
      ledgerV1.CreateTransferResult[ledgerV1.CreateTransferResult.CREATE_TRANSFER_RESULT_OK];
    const viaGrpc = async (batch: TransferInput[]): Promise<readonly string[]> => {
      const response = await client.call('createTransfers', {
        transfers: batch.map((transfer) =>
          ledgerV1.NewTransfer.fromPartial({
            ...transfer,
            amountMinor: transfer.amountMinor?.toString() ?? '',
          }),
        ),
      });
      return response.results.map((result) =>
        ledgerV1.CreateTransferResult[result] === okName ? 'ok' : String(result),
      );
    };
    const cases: [
      string,
      number,
      number,
      (batch: TransferInput[]) => Promise<readonly string[]>,
    ][] = [
      ['application batch 1 x1', 1, 1, viaApplication],
      ['application batch 1 x64 concurrent', 1, 64, viaApplication],
      ['application batch 100 x1', 100, 1, viaApplication],
      ['application batch 8190 x1', 8190, 1, viaApplication],
      ['grpc batch 1 x1', 1, 1, viaGrpc],
      ['grpc batch 1 x64 concurrent', 1, 64, viaGrpc],
      ['grpc batch 100 x1', 100, 1, viaGrpc],
      ['grpc batch 8190 x1', 8190, 1, viaGrpc],
    ];
    const selected = process.env['BENCH_LEDGER_CASES']?.split(',');
    // The machine's load drifts: each case is compared with a baseline run just before it.
    for (const [index, [name, batchSize, concurrency, send]] of cases.entries()) {
      if (selected && !selected.includes(name)) {
        continue;
      }
      const baseline = baselineCase(join(dir.path, `baseline-${index}.db`), batchSize);
      print(baseline);
      print(await runCase(name, batchSize, concurrency, send), baseline);
    }
    client.close();
    await server.shutdown(1000);
    await ledger.close();
  } finally {
    dir.remove();
  }
}

void main();
