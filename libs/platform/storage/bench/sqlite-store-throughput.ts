/**
 * Rough single-process throughput of SqliteStore for the ledger's sizing (not a test, never an
 * assertion). Run from the workspace root:
 *   node -r @swc-node/register libs/platform/storage/bench/sqlite-store-throughput.ts [operations]
 * Prints operations per second for each write path at synchronous=full and =normal.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore, type WriteStatement } from '../src';

const OPERATIONS_MAX = 1_000_000;
const BATCH_SIZE = 100;

async function measure(
  label: string,
  operations: number,
  work: (index: number) => Promise<unknown>,
): Promise<void> {
  const startedAt = process.hrtime.bigint();
  for (let index = 0; index < operations; index += 1) {
    await work(index);
  }
  const elapsedMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
  console.log(
    `${label.padEnd(48)} ${Math.round((operations / elapsedMs) * 1000)
      .toString()
      .padStart(8)} ops/s`,
  );
}

async function run(synchronous: 'full' | 'normal', operations: number): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'corebank-store-bench-'));
  const store = await SqliteStore.open({ path: join(directory, 'bench.db'), synchronous });
  try {
    await store.migrate([
      {
        id: '0001-bench',
        description: 'accounts and transfers',
        createTables: [
          {
            name: 'accounts',
            columns: { account_id: 'text', balance_minor: 'bigint', version: 'bigint' },
            partitionKey: ['account_id'],
          },
          {
            name: 'transfers',
            columns: { transfer_id: 'text', debit: 'text', credit: 'text', amount_minor: 'bigint' },
            partitionKey: ['transfer_id'],
          },
        ],
      },
    ]);
    await measure(`[${synchronous}] upsert`, operations, (index) =>
      store.upsert('accounts', {
        account_id: `a${index % 1000}`,
        balance_minor: BigInt(index),
        version: 0n,
      }),
    );
    await measure(`[${synchronous}] insertIfNotExists`, operations, (index) =>
      store.insertIfNotExists('transfers', {
        transfer_id: `t${index}`,
        debit: 'a1',
        credit: 'a2',
        amount_minor: 100n,
      }),
    );
    await measure(`[${synchronous}] get`, operations, (index) =>
      store.get('accounts', { account_id: `a${index % 1000}` }),
    );
    let version = 0n;
    await store.upsert('accounts', { account_id: 'cas', balance_minor: 0n, version });
    await measure(`[${synchronous}] updateIf (uncontended)`, operations, async () => {
      await store.updateIf(
        'accounts',
        { account_id: 'cas' },
        { version: version + 1n },
        { version },
      );
      version += 1n;
    });
    const batches = Math.max(1, Math.floor(operations / BATCH_SIZE));
    const startedAt = process.hrtime.bigint();
    for (let batch = 0; batch < batches; batch += 1) {
      const statements: WriteStatement[] = [];
      for (let index = 0; index < BATCH_SIZE / 2; index += 1) {
        const transferId = `b${batch}-${index}`;
        statements.push(
          {
            kind: 'upsert',
            table: 'transfers',
            row: { transfer_id: transferId, debit: 'a1', credit: 'a2', amount_minor: 1n },
          },
          {
            kind: 'update',
            table: 'accounts',
            key: { account_id: `a${index}` },
            set: { balance_minor: BigInt(batch) },
          },
        );
      }
      await store.batch(statements);
    }
    const elapsedMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
    console.log(
      `${`[${synchronous}] batch of ${BATCH_SIZE} (statements/s)`.padEnd(48)} ${Math.round(
        ((batches * BATCH_SIZE) / elapsedMs) * 1000,
      )
        .toString()
        .padStart(8)} ops/s`,
    );
  } finally {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const requested = Number(process.argv[2] ?? '20000');
  const operations =
    Number.isInteger(requested) && requested > 0 ? Math.min(requested, OPERATIONS_MAX) : 20_000;
  await run('normal', operations);
  await run('full', Math.max(1, Math.floor(operations / 10)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
