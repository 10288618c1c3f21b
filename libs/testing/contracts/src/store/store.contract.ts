import { randomUUID } from 'node:crypto';
import { isPlatformError } from '@corebank/platform-errors';
import type {
  ConditionalStatement,
  Migration,
  Row,
  Store,
  WriteStatement,
} from '@corebank/platform-storage';

/** Store clients that reach the same data and run truly in parallel with each other. */
export interface ConcurrentStoreClients {
  readonly stores: readonly Store[];
  close(): Promise<void>;
}

/** What an adapter's spec hands the contract: a store on fresh, empty data, and more clients. */
export interface StoreContractSubject {
  readonly store: Store;
  /**
   * `count` more clients on the same data. For an embedded engine they must be other processes
   * (better-sqlite3 is synchronous, so clients in one process never overlap).
   */
  openConcurrentClients(count: number): Promise<ConcurrentStoreClients>;
  /** Closes the store and removes the data it created. */
  dispose(): Promise<void>;
}

export const STORE_CONTRACT_MIGRATIONS: readonly Migration[] = [
  {
    id: '0001-contract-accounts',
    description: 'single-row partitions with every column type',
    createTables: [
      {
        name: 'contract_accounts',
        columns: {
          account_id: 'text',
          balance_minor: 'bigint',
          version: 'bigint',
          holder: 'text',
          tags: 'json',
          opened_at: 'timestamp',
          frozen: 'boolean',
          photo: 'blob',
          level: 'int',
        },
        partitionKey: ['account_id'],
      },
    ],
  },
  {
    id: '0002-contract-entries',
    description: 'wide partitions for range queries',
    createTables: [
      {
        name: 'contract_entries',
        columns: { account_id: 'text', sequence: 'bigint', amount_minor: 'bigint', memo: 'text' },
        partitionKey: ['account_id'],
        clusteringKey: [{ column: 'sequence', order: 'asc' }],
      },
      {
        name: 'contract_feed',
        columns: { customer_id: 'text', day: 'int', sequence: 'bigint', title: 'text' },
        partitionKey: ['customer_id'],
        clusteringKey: [
          { column: 'day', order: 'desc' },
          { column: 'sequence', order: 'asc' },
        ],
      },
    ],
  },
];

/** Conditional writes retry at most this often per increment; a fair engine needs far fewer. */
const CAS_ATTEMPTS_MAX = 400;
/** Pages read at most per query in the paging tests, so a broken page state cannot loop forever. */
const PAGES_MAX = 100;
const INSERT_RACE_WRITERS = 20;
const RACE_CLIENTS = 4;
const CAS_INCREMENTERS_PER_CLIENT = 3;
const CAS_INCREMENTS_PER_INCREMENTER = 3;
/** Rows every client of the conditionalWrites races names in each of its calls. */
const MULTI_RACE_ROWS = 12;
const MULTI_CAS_ROUNDS_PER_CLIENT = 3;

function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

async function expectStoreError(work: Promise<unknown>, code: string): Promise<void> {
  let caught: unknown;
  try {
    await work;
  } catch (error) {
    caught = error;
  }
  expect(isPlatformError(caught)).toBe(true);
  expect(caught).toMatchObject({ code, retryable: false });
}

async function readAllPages(
  read: (pageState: string | undefined) => ReturnType<Store['query']>,
): Promise<{ rows: Row[]; pages: number }> {
  const rows: Row[] = [];
  let pageState: string | undefined;
  for (let pages = 1; pages <= PAGES_MAX; pages += 1) {
    const page = await read(pageState);
    rows.push(...page.rows);
    if (page.pageState === undefined) {
      return { rows, pages };
    }
    pageState = page.pageState;
  }
  throw new Error(`more than ${PAGES_MAX} pages for one query`);
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return condition();
}

function account(accountId: string, overrides: Partial<Record<string, Row[string]>> = {}): Row {
  return {
    account_id: accountId,
    balance_minor: 0n,
    version: 0n,
    holder: 'Ada Lovelace',
    tags: { tier: 'gold', limits: [1, 2, 3], nested: { ok: true, none: null } },
    opened_at: new Date('2015-02-18T10:20:30.456Z'),
    frozen: false,
    photo: new Uint8Array([0, 1, 2, 254, 255]),
    level: 7,
    ...overrides,
  };
}

/**
 * The behaviour every Store adapter must show (the port's contract). `openSubject` is called once
 * per suite; tests keep apart by using fresh keys, so one database serves the whole suite.
 */
export function describeStoreContract(
  name: string,
  openSubject: () => Promise<StoreContractSubject>,
): void {
  describe(`Store contract: ${name}`, () => {
    let subject: StoreContractSubject;
    let sut: Store;
    let concurrentClients: ConcurrentStoreClients | undefined;
    /** Started once, on first use, and shared by the race tests: child processes are slow to start. */
    const raceClients = async (): Promise<readonly Store[]> => {
      concurrentClients ??= await subject.openConcurrentClients(RACE_CLIENTS);
      return concurrentClients.stores;
    };

    beforeAll(async () => {
      subject = await openSubject();
      sut = subject.store;
      await sut.migrate(STORE_CONTRACT_MIGRATIONS);
    });

    afterAll(async () => {
      await concurrentClients?.close();
      await subject?.dispose();
    });

    describe('migrations', () => {
      it('applies each migration once: running the same list again changes nothing', async () => {
        await sut.migrate(STORE_CONTRACT_MIGRATIONS);
        await sut.upsert('contract_accounts', account(uniqueId('migrated')));
      });

      it('refuses a recorded migration whose tables were edited afterwards', async () => {
        const [first, second] = STORE_CONTRACT_MIGRATIONS;
        const edited: Migration = {
          ...first,
          createTables: [
            {
              ...first.createTables[0],
              columns: { ...first.createTables[0].columns, nickname: 'text' },
            },
          ],
        };
        await expectStoreError(sut.migrate([edited, second]), 'invalid.store_migration_changed');
      });
    });

    describe('reads and writes', () => {
      it('round-trips every column type, bigint exactly beyond 2^53 and at the int64 limits', async () => {
        const values = [2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n), 9_007_199_254_740_993n];
        for (const value of values) {
          const id = uniqueId('bigint');
          await sut.upsert('contract_accounts', account(id, { balance_minor: value }));
          const row = await sut.get('contract_accounts', { account_id: id });
          expect(row?.balance_minor).toBe(value);
          expect(typeof row?.balance_minor).toBe('bigint');
        }
        const id = uniqueId('types');
        await sut.upsert('contract_accounts', account(id));
        const row = await sut.get('contract_accounts', { account_id: id });
        expect(row).toEqual(account(id));
        expect(row?.opened_at).toBeInstanceOf(Date);
        expect(row?.photo).toBeInstanceOf(Uint8Array);
      });

      it('returns undefined for a missing key and null for cells never written', async () => {
        expect(await sut.get('contract_accounts', { account_id: uniqueId('missing') })).toBe(
          undefined,
        );
        const id = uniqueId('sparse');
        await sut.upsert('contract_accounts', { account_id: id, balance_minor: 5n });
        const row = await sut.get('contract_accounts', { account_id: id });
        expect(row).toMatchObject({ account_id: id, balance_minor: 5n, holder: null, tags: null });
      });

      it('upserts only the given columns and keeps the others', async () => {
        const id = uniqueId('upsert');
        await sut.upsert('contract_accounts', account(id));
        await sut.upsert('contract_accounts', { account_id: id, holder: 'Grace Hopper' });
        expect(await sut.get('contract_accounts', { account_id: id })).toEqual(
          account(id, { holder: 'Grace Hopper' }),
        );
      });

      it('deletes a row', async () => {
        const id = uniqueId('delete');
        await sut.upsert('contract_accounts', account(id));
        await sut.delete('contract_accounts', { account_id: id });
        expect(await sut.get('contract_accounts', { account_id: id })).toBe(undefined);
      });

      it('getMany returns the rows that exist, each once, and leaves out missing keys', async () => {
        const ids = [uniqueId('many'), uniqueId('many'), uniqueId('many')];
        for (const id of ids) {
          await sut.upsert('contract_accounts', account(id));
        }
        const rows = await sut.getMany('contract_accounts', [
          { account_id: ids[0] },
          { account_id: uniqueId('absent') },
          { account_id: ids[2] },
          { account_id: ids[0] },
          { account_id: ids[1] },
        ]);
        expect(rows.map((row) => row.account_id).sort()).toEqual([...ids].sort());
        expect(await sut.getMany('contract_accounts', [])).toEqual([]);
      });

      it('answers ping', async () => {
        await expect(sut.ping()).resolves.toBeUndefined();
      });
    });

    describe('insertIfNotExists', () => {
      it('applies the first insert and reports the current row to the second', async () => {
        const id = uniqueId('claim');
        expect(
          await sut.insertIfNotExists('contract_accounts', account(id, { holder: 'first' })),
        ).toEqual({ applied: true });
        const second = await sut.insertIfNotExists(
          'contract_accounts',
          account(id, { holder: 'second' }),
        );
        expect(second.applied).toBe(false);
        expect(second.current).toEqual(account(id, { holder: 'first' }));
        expect((await sut.get('contract_accounts', { account_id: id }))?.holder).toBe('first');
      });

      it(`lets exactly one of ${INSERT_RACE_WRITERS} concurrent writers win`, async () => {
        const clients = await raceClients();
        const id = uniqueId('race');
        const results = await Promise.all(
          Array.from({ length: INSERT_RACE_WRITERS }, (_unused, writer) =>
            clients[writer % clients.length]
              .insertIfNotExists('contract_accounts', account(id, { holder: `writer-${writer}` }))
              .then((result) => ({ writer, result })),
          ),
        );
        const winners = results.filter(({ result }) => result.applied);
        expect(winners).toHaveLength(1);
        const winnerHolder = `writer-${winners[0].writer}`;
        for (const { result } of results.filter(({ result }) => !result.applied)) {
          expect(result.current?.holder).toBe(winnerHolder);
        }
        expect((await sut.get('contract_accounts', { account_id: id }))?.holder).toBe(winnerHolder);
      });
    });

    describe('updateIf (compare-and-set)', () => {
      it('applies when every expected column matches and reports the row when one does not', async () => {
        const id = uniqueId('cas');
        await sut.upsert('contract_accounts', account(id, { balance_minor: 100n, version: 1n }));
        const applied = await sut.updateIf(
          'contract_accounts',
          { account_id: id },
          { balance_minor: 150n, version: 2n },
          { version: 1n, holder: 'Ada Lovelace' },
        );
        expect(applied).toEqual({ applied: true });
        const stale = await sut.updateIf(
          'contract_accounts',
          { account_id: id },
          { balance_minor: 999n, version: 2n },
          { version: 1n },
        );
        expect(stale.applied).toBe(false);
        expect(stale.current).toMatchObject({ balance_minor: 150n, version: 2n });
        expect(await sut.get('contract_accounts', { account_id: id })).toMatchObject({
          balance_minor: 150n,
          version: 2n,
        });
      });

      it('compares json, timestamp, blob and null cells by value', async () => {
        const id = uniqueId('cas-types');
        await sut.upsert('contract_accounts', account(id, { holder: null }));
        const reference = account(id);
        const result = await sut.updateIf(
          'contract_accounts',
          { account_id: id },
          { level: 8 },
          {
            tags: reference.tags,
            opened_at: new Date((reference.opened_at as Date).getTime()),
            photo: new Uint8Array([0, 1, 2, 254, 255]),
            holder: null,
            frozen: false,
          },
        );
        expect(result).toEqual({ applied: true });
        const mismatch = await sut.updateIf(
          'contract_accounts',
          { account_id: id },
          { level: 9 },
          { photo: new Uint8Array([0, 1, 2, 254]) },
        );
        expect(mismatch.applied).toBe(false);
      });

      it('does not create a missing row, and with no expectations acts as "if exists"', async () => {
        const id = uniqueId('cas-missing');
        const missing = await sut.updateIf(
          'contract_accounts',
          { account_id: id },
          { balance_minor: 1n },
          { version: 0n },
        );
        expect(missing.applied).toBe(false);
        expect(missing.current).toBe(undefined);
        expect(
          (await sut.updateIf('contract_accounts', { account_id: id }, { level: 1 }, {})).applied,
        ).toBe(false);
        expect(await sut.get('contract_accounts', { account_id: id })).toBe(undefined);
        await sut.upsert('contract_accounts', account(id));
        expect(
          await sut.updateIf('contract_accounts', { account_id: id }, { level: 1 }, {}),
        ).toEqual({ applied: true });
      });

      const incrementsTotal =
        RACE_CLIENTS * CAS_INCREMENTERS_PER_CLIENT * CAS_INCREMENTS_PER_INCREMENTER;
      it(`never loses one of ${incrementsTotal} concurrent increments done by compare-and-set with retry`, async () => {
        const clients = await raceClients();
        const id = uniqueId('counter');
        await sut.upsert('contract_accounts', account(id));
        const key = { account_id: id };
        const increment = async (client: Store): Promise<void> => {
          for (let attempt = 1; attempt <= CAS_ATTEMPTS_MAX; attempt += 1) {
            const row = await client.get('contract_accounts', key);
            const version = row?.version as bigint;
            const result = await client.updateIf(
              'contract_accounts',
              key,
              { version: version + 1n, balance_minor: (row?.balance_minor as bigint) + 10n },
              { version },
            );
            if (result.applied) {
              return;
            }
          }
          throw new Error(`increment not applied in ${CAS_ATTEMPTS_MAX} attempts`);
        };
        await Promise.all(
          clients.flatMap((client) =>
            Array.from({ length: CAS_INCREMENTERS_PER_CLIENT }, async () => {
              for (let done = 0; done < CAS_INCREMENTS_PER_INCREMENTER; done += 1) {
                await increment(client);
              }
            }),
          ),
        );
        expect(await sut.get('contract_accounts', key)).toMatchObject({
          version: BigInt(incrementsTotal),
          balance_minor: BigInt(incrementsTotal * 10),
        });
      });
    });

    describe('conditionalWrites', () => {
      it('returns one result per statement, in order, each applied or not on its own', async () => {
        const existing = uniqueId('multi-existing');
        const fresh = uniqueId('multi-fresh');
        const casMatch = uniqueId('multi-cas');
        const casStale = uniqueId('multi-stale');
        const entries = uniqueId('multi-entries');
        await sut.upsert('contract_accounts', account(existing, { holder: 'already here' }));
        await sut.upsert('contract_accounts', account(casMatch, { version: 4n }));
        await sut.upsert('contract_accounts', account(casStale, { version: 9n }));
        const statements: ConditionalStatement[] = [
          {
            kind: 'insertIfNotExists',
            table: 'contract_accounts',
            row: account(existing, { holder: 'intruder' }),
          },
          { kind: 'insertIfNotExists', table: 'contract_accounts', row: account(fresh) },
          {
            kind: 'updateIf',
            table: 'contract_accounts',
            key: { account_id: casMatch },
            set: { version: 5n, balance_minor: 50n },
            expected: { version: 4n },
          },
          {
            kind: 'updateIf',
            table: 'contract_accounts',
            key: { account_id: casStale },
            set: { version: 6n, balance_minor: 60n },
            expected: { version: 5n },
          },
          {
            kind: 'updateIf',
            table: 'contract_accounts',
            key: { account_id: uniqueId('multi-missing') },
            set: { level: 1 },
            expected: {},
          },
          {
            kind: 'insertIfNotExists',
            table: 'contract_entries',
            row: { account_id: entries, sequence: 1n, amount_minor: 7n, memo: 'first' },
          },
        ];
        const results = await sut.conditionalWrites(statements);
        expect(results.map((result) => result.applied)).toEqual([
          false,
          true,
          true,
          false,
          false,
          true,
        ]);
        expect(results[0].current).toEqual(account(existing, { holder: 'already here' }));
        expect(results[3].current).toMatchObject({ account_id: casStale, version: 9n });
        expect(results[4].current).toBe(undefined);
        expect(await sut.get('contract_accounts', { account_id: existing })).toMatchObject({
          holder: 'already here',
        });
        expect(await sut.get('contract_accounts', { account_id: fresh })).toEqual(account(fresh));
        expect(await sut.get('contract_accounts', { account_id: casMatch })).toMatchObject({
          version: 5n,
          balance_minor: 50n,
        });
        expect(await sut.get('contract_accounts', { account_id: casStale })).toMatchObject({
          version: 9n,
          balance_minor: 0n,
        });
        expect(
          await sut.get('contract_entries', { account_id: entries, sequence: 1n }),
        ).toMatchObject({ memo: 'first' });
        expect(await sut.conditionalWrites([])).toEqual([]);
      });

      const refused: readonly [string, (id: string) => ConditionalStatement, string][] = [
        [
          'a value of the wrong type',
          (id) => ({
            kind: 'updateIf',
            table: 'contract_accounts',
            key: { account_id: `${id}-other` },
            set: { level: 1.5 },
            expected: {},
          }),
          'invalid.store_value',
        ],
        [
          'an unknown table',
          (id) => ({ kind: 'insertIfNotExists', table: 'contract_no_such_table', row: { id } }),
          'invalid.store_unknown_table',
        ],
        [
          'a row already named in the same call',
          (id) => ({ kind: 'insertIfNotExists', table: 'contract_accounts', row: account(id) }),
          'invalid.store_row',
        ],
      ];
      it.each(refused)(
        'writes nothing when one statement carries %s',
        async (_label, makeStatement, code) => {
          const id = uniqueId('multi-refused');
          await expectStoreError(
            sut.conditionalWrites([
              { kind: 'insertIfNotExists', table: 'contract_accounts', row: account(id) },
              makeStatement(id),
            ]),
            code,
          );
          expect(await sut.get('contract_accounts', { account_id: id })).toBe(undefined);
        },
      );

      it(`lets exactly one of ${RACE_CLIENTS} processes claim each of ${MULTI_RACE_ROWS} rows they all insert at once`, async () => {
        const clients = await raceClients();
        const ids = Array.from({ length: MULTI_RACE_ROWS }, () => uniqueId('multi-claim'));
        const outcomes = await Promise.all(
          clients.map((client, clientIndex) => {
            // Each process names the rows in its own order, so no one reaches every row first.
            const order = ids.map((_id, index) => ids[(index + clientIndex * 5) % ids.length]);
            return client
              .conditionalWrites(
                order.map((id): ConditionalStatement => ({
                  kind: 'insertIfNotExists',
                  table: 'contract_accounts',
                  row: account(id, { holder: `client-${clientIndex}` }),
                })),
              )
              .then((results) => ({ clientIndex, order, results }));
          }),
        );
        for (const id of ids) {
          const stored = await sut.get('contract_accounts', { account_id: id });
          const claims = outcomes.map(({ clientIndex, order, results }) => ({
            clientIndex,
            result: results[order.indexOf(id)],
          }));
          const winners = claims.filter(({ result }) => result.applied);
          expect(winners).toHaveLength(1);
          expect(stored?.holder).toBe(`client-${winners[0].clientIndex}`);
          for (const { result } of claims.filter((claim) => !claim.result.applied)) {
            expect(result.current?.holder).toBe(stored?.holder);
          }
        }
      });

      const multiIncrements = RACE_CLIENTS * MULTI_CAS_ROUNDS_PER_CLIENT;
      it(`never loses one of ${multiIncrements} concurrent increments of each of ${MULTI_RACE_ROWS} rows compare-and-set together`, async () => {
        const clients = await raceClients();
        const ids = Array.from({ length: MULTI_RACE_ROWS }, () => uniqueId('multi-counter'));
        for (const id of ids) {
          await sut.upsert('contract_accounts', account(id));
        }
        // One round: increment every row once, re-reading and retrying only the rows not applied.
        const incrementAll = async (client: Store): Promise<void> => {
          let remaining = ids;
          for (let attempt = 1; attempt <= CAS_ATTEMPTS_MAX; attempt += 1) {
            const rows = await client.getMany(
              'contract_accounts',
              remaining.map((id) => ({ account_id: id })),
            );
            const byId = new Map(rows.map((row) => [row.account_id as string, row]));
            const results = await client.conditionalWrites(
              remaining.map((id): ConditionalStatement => {
                const row = byId.get(id);
                const version = row?.version as bigint;
                return {
                  kind: 'updateIf',
                  table: 'contract_accounts',
                  key: { account_id: id },
                  set: {
                    version: version + 1n,
                    balance_minor: (row?.balance_minor as bigint) + 10n,
                  },
                  expected: { version },
                };
              }),
            );
            remaining = remaining.filter((_id, index) => !results[index].applied);
            if (remaining.length === 0) {
              return;
            }
          }
          throw new Error(`increments not applied in ${CAS_ATTEMPTS_MAX} attempts`);
        };
        await Promise.all(
          clients.map(async (client) => {
            for (let round = 0; round < MULTI_CAS_ROUNDS_PER_CLIENT; round += 1) {
              await incrementAll(client);
            }
          }),
        );
        const rows = await sut.getMany(
          'contract_accounts',
          ids.map((id) => ({ account_id: id })),
        );
        expect(rows).toHaveLength(MULTI_RACE_ROWS);
        for (const row of rows) {
          expect(row).toMatchObject({
            version: BigInt(multiIncrements),
            balance_minor: BigInt(multiIncrements * 10),
          });
        }
      });
    });

    describe('TTL', () => {
      it('hides a row once its TTL has run out, from reads, queries and conditions alike', async () => {
        const id = uniqueId('ttl');
        const entriesId = uniqueId('ttl-entries');
        await sut.insertIfNotExists('contract_accounts', account(id, { holder: 'old' }), {
          ttlSeconds: 1,
        });
        await sut.upsert(
          'contract_entries',
          { account_id: entriesId, sequence: 1n, amount_minor: 1n, memo: 'short-lived' },
          { ttlSeconds: 1 },
        );
        await sut.upsert('contract_entries', {
          account_id: entriesId,
          sequence: 2n,
          amount_minor: 2n,
          memo: 'kept',
        });
        await sut.upsert('contract_accounts', account(`${id}-kept`), { ttlSeconds: 600 });

        const expired = await waitUntil(
          async () => (await sut.get('contract_accounts', { account_id: id })) === undefined,
          6000,
        );
        expect(expired).toBe(true);
        expect(
          await sut.getMany('contract_accounts', [
            { account_id: id },
            { account_id: `${id}-kept` },
          ]),
        ).toHaveLength(1);
        const page = await sut.query({
          table: 'contract_entries',
          partition: { account_id: entriesId },
          limit: 10,
        });
        expect(page.rows.map((row) => row.memo)).toEqual(['kept']);
        expect(
          (await sut.updateIf('contract_accounts', { account_id: id }, { level: 1 }, {})).applied,
        ).toBe(false);

        // An expired row does not block a new insert, and none of its old cells come back.
        const again = await sut.insertIfNotExists('contract_accounts', {
          account_id: id,
          balance_minor: 1n,
        });
        expect(again).toEqual({ applied: true });
        expect(await sut.get('contract_accounts', { account_id: id })).toMatchObject({
          balance_minor: 1n,
          holder: null,
          level: null,
        });
      });

      it('refuses a TTL that is not a whole number of seconds', async () => {
        await expectStoreError(
          sut.upsert('contract_accounts', account(uniqueId('ttl-bad')), { ttlSeconds: 0.5 }),
          'invalid.store_ttl',
        );
      });
    });

    describe('range queries', () => {
      async function seedEntries(count: number): Promise<string> {
        const id = uniqueId('entries');
        await sut.batch(
          Array.from({ length: count }, (_unused, index): WriteStatement => ({
            kind: 'upsert',
            table: 'contract_entries',
            row: {
              account_id: id,
              sequence: BigInt(index + 1),
              amount_minor: BigInt(index + 1) * 100n,
              memo: `entry ${index + 1}`,
            },
          })),
        );
        // A neighbouring partition must never leak into the queried one.
        await sut.upsert('contract_entries', {
          account_id: `${id}-other`,
          sequence: 10n,
          amount_minor: 1n,
          memo: 'other',
        });
        return id;
      }

      const sequences = (rows: readonly Row[]): number[] =>
        rows.map((row) => Number(row.sequence as bigint));
      const range = (from: number, to: number): number[] =>
        Array.from({ length: to - from + 1 }, (_unused, index) => from + index);

      it('pages through a partition in clustering order and in reverse', async () => {
        const id = await seedEntries(25);
        const ascending = await readAllPages((pageState) =>
          sut.query({
            table: 'contract_entries',
            partition: { account_id: id },
            limit: 7,
            pageState,
          }),
        );
        expect(sequences(ascending.rows)).toEqual(range(1, 25));
        expect(ascending.pages).toBeGreaterThanOrEqual(4);
        const descending = await readAllPages((pageState) =>
          sut.query({
            table: 'contract_entries',
            partition: { account_id: id },
            order: 'desc',
            limit: 6,
            pageState,
          }),
        );
        expect(sequences(descending.rows)).toEqual(range(1, 25).reverse());
      });

      it('pages inside a clustering range, in both orders', async () => {
        const id = await seedEntries(30);
        const bounded = { gte: 5n, lt: 20n };
        const ascending = await readAllPages((pageState) =>
          sut.query({
            table: 'contract_entries',
            partition: { account_id: id },
            range: bounded,
            order: 'asc',
            limit: 4,
            pageState,
          }),
        );
        expect(sequences(ascending.rows)).toEqual(range(5, 19));
        const descending = await readAllPages((pageState) =>
          sut.query({
            table: 'contract_entries',
            partition: { account_id: id },
            range: { gt: 5n, lte: 20n },
            order: 'desc',
            limit: 4,
            pageState,
          }),
        );
        expect(sequences(descending.rows)).toEqual(range(6, 20).reverse());
        const empty = await sut.query({
          table: 'contract_entries',
          partition: { account_id: id },
          range: { gt: 100n },
          limit: 4,
        });
        expect(empty).toEqual({ rows: [] });
      });

      it('pages a table clustered by two columns in opposite directions', async () => {
        const id = uniqueId('feed');
        const items: WriteStatement[] = [];
        for (let day = 1; day <= 4; day += 1) {
          for (let sequence = 1; sequence <= 3; sequence += 1) {
            items.push({
              kind: 'upsert',
              table: 'contract_feed',
              row: {
                customer_id: id,
                day,
                sequence: BigInt(sequence),
                title: `${day}/${sequence}`,
              },
            });
          }
        }
        await sut.batch(items);
        const natural = await readAllPages((pageState) =>
          sut.query({
            table: 'contract_feed',
            partition: { customer_id: id },
            limit: 5,
            pageState,
          }),
        );
        const expected = [4, 3, 2, 1].flatMap((day) =>
          [1, 2, 3].map((sequence) => `${day}/${sequence}`),
        );
        expect(natural.rows.map((row) => row.title)).toEqual(expected);
        const reversed = await readAllPages((pageState) =>
          sut.query({
            table: 'contract_feed',
            partition: { customer_id: id },
            order: 'asc',
            range: { gte: 2 },
            limit: 2,
            pageState,
          }),
        );
        expect(reversed.rows.map((row) => row.title)).toEqual(
          [2, 3, 4].flatMap((day) => [3, 2, 1].map((sequence) => `${day}/${sequence}`)),
        );
      });
    });

    describe('batch', () => {
      it('applies upserts, updates and deletes over several tables together', async () => {
        const id = uniqueId('batch');
        await sut.upsert('contract_accounts', account(`${id}-gone`));
        await sut.batch([
          { kind: 'upsert', table: 'contract_accounts', row: account(id) },
          {
            kind: 'update',
            table: 'contract_accounts',
            key: { account_id: id },
            set: { balance_minor: 42n },
          },
          {
            kind: 'upsert',
            table: 'contract_entries',
            row: { account_id: id, sequence: 1n, amount_minor: 42n, memo: 'opening' },
          },
          { kind: 'delete', table: 'contract_accounts', key: { account_id: `${id}-gone` } },
        ]);
        expect(await sut.get('contract_accounts', { account_id: id })).toEqual(
          account(id, { balance_minor: 42n }),
        );
        expect(await sut.get('contract_entries', { account_id: id, sequence: 1n })).toMatchObject({
          memo: 'opening',
        });
        expect(await sut.get('contract_accounts', { account_id: `${id}-gone` })).toBe(undefined);
      });

      const invalidStatements: readonly [string, WriteStatement, string][] = [
        [
          'a value of the wrong type',
          { kind: 'upsert', table: 'contract_entries', row: { account_id: 'x', sequence: 1 } },
          'invalid.store_value',
        ],
        [
          'an unknown column',
          {
            kind: 'update',
            table: 'contract_accounts',
            key: { account_id: 'x' },
            set: { nickname: 'y' },
          },
          'invalid.store_row',
        ],
        [
          'an unknown table',
          { kind: 'delete', table: 'contract_no_such_table', key: { id: 'x' } },
          'invalid.store_unknown_table',
        ],
      ];
      it.each(invalidStatements)(
        'applies nothing when one statement carries %s',
        async (_label, invalid, code) => {
          const id = uniqueId('atomic');
          await sut.upsert('contract_accounts', account(id, { balance_minor: 1n }));
          await expectStoreError(
            sut.batch([
              {
                kind: 'update',
                table: 'contract_accounts',
                key: { account_id: id },
                set: { balance_minor: 2n },
              },
              {
                kind: 'upsert',
                table: 'contract_entries',
                row: { account_id: id, sequence: 1n, amount_minor: 2n, memo: 'should not exist' },
              },
              invalid,
            ]),
            code,
          );
          expect((await sut.get('contract_accounts', { account_id: id }))?.balance_minor).toBe(1n);
          expect(await sut.get('contract_entries', { account_id: id, sequence: 1n })).toBe(
            undefined,
          );
        },
      );
    });

    describe('errors', () => {
      it('throws invalid.store_unknown_table, not retryable, for a table no migration created', async () => {
        await expectStoreError(
          sut.get('contract_no_such_table', { id: 'x' }),
          'invalid.store_unknown_table',
        );
        await expectStoreError(
          sut.upsert('contract_no_such_table', { id: 'x' }),
          'invalid.store_unknown_table',
        );
        await expectStoreError(
          sut.query({ table: 'contract_no_such_table', partition: { id: 'x' }, limit: 1 }),
          'invalid.store_unknown_table',
        );
      });

      it('refuses malformed keys and values before they reach the engine', async () => {
        const id = uniqueId('malformed');
        await expectStoreError(
          sut.upsert('contract_accounts', account(id, { balance_minor: 2n ** 63n })),
          'invalid.store_value',
        );
        await expectStoreError(
          sut.upsert('contract_accounts', account(id, { balance_minor: 5 })),
          'invalid.store_value',
        );
        await expectStoreError(
          sut.upsert('contract_accounts', { holder: 'no key' }),
          'invalid.store_row',
        );
        await expectStoreError(
          sut.get('contract_entries', { account_id: id }),
          'invalid.store_row',
        );
        await expectStoreError(
          sut.updateIf('contract_accounts', { account_id: id }, { account_id: 'other' }, {}),
          'invalid.store_row',
        );
        await expectStoreError(
          sut.query({
            table: 'contract_entries',
            partition: { account_id: id },
            limit: 2,
            pageState: 'not-a-page-state',
          }),
          'invalid.store_page_state',
        );
        expect(await sut.get('contract_accounts', { account_id: id })).toBe(undefined);
      });
    });
  });
}
