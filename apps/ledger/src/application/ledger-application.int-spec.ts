import { join } from 'node:path';

import type { Store } from '@corebank/platform-storage';

import { NO_FLAGS } from '../domain/transfer';
import {
  accountInput,
  ledgerTotals,
  makeTempDir,
  OffsetClock,
  openLedgerInstance,
  transferInput,
  type LedgerInstance,
} from '../testing/ledger-test-kit';

const CUSTOMER = '101';
const FUNDING = '102';
const MERCHANT = '103';
const ACCOUNT_IDS = [CUSTOMER, FUNDING, MERCHANT];

describe('ledger application on a real SqliteStore', () => {
  let dir: ReturnType<typeof makeTempDir>;
  const opened: LedgerInstance[] = [];

  beforeEach(() => {
    dir = makeTempDir('ledger-app-');
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((instance) => instance.close()));
    dir.remove();
  });

  async function open(
    workerId: number,
    clock: OffsetClock,
    extra: Partial<Parameters<typeof openLedgerInstance>[0]> = {},
  ) {
    const instance = await openLedgerInstance({
      path: join(dir.path, 'ledger.db'),
      workerId,
      clock,
      ...extra,
    });
    opened.push(instance);
    return instance;
  }

  async function seed(instance: LedgerInstance, fundMinor: bigint): Promise<void> {
    const results = await instance.app.createAccounts.execute({
      accounts: [
        accountInput(CUSTOMER, {
          flags: { debitsMustNotExceedCredits: true, creditsMustNotExceedDebits: false },
        }),
        accountInput(FUNDING, { code: 'funding' }),
        accountInput(MERCHANT, { code: 'card_clearing' }),
      ],
    });
    expect(results).toEqual(['ok', 'ok', 'ok']);
    const funded = await instance.app.createTransfers.execute({
      transfers: [
        transferInput({
          id: '1',
          debitAccountId: FUNDING,
          creditAccountId: CUSTOMER,
          amountMinor: fundMinor,
        }),
      ],
    });
    expect(funded).toEqual(['ok']);
  }

  it('creates accounts idempotently and reports conflicting replays', async () => {
    const { app } = await open(1, new OffsetClock());
    await seed({ app } as LedgerInstance, 1000n);
    const again = await app.createAccounts.execute({
      accounts: [
        accountInput(FUNDING, { code: 'funding' }),
        accountInput(CUSTOMER),
        accountInput('0'),
        accountInput('7', { currencyCode: 'gbp' }),
      ],
    });
    expect(again).toEqual([
      'exists',
      'exists_with_different_fields',
      'id_invalid',
      'currency_code_invalid',
    ]);
  });

  it('holds, posts part of a hold, pages transfers and reports balances', async () => {
    const { app } = await open(1, new OffsetClock());
    await seed({ app } as LedgerInstance, 1000n);
    const hold = transferInput({
      id: '2',
      debitAccountId: CUSTOMER,
      creditAccountId: MERCHANT,
      amountMinor: 300n,
      flags: { ...NO_FLAGS, pending: true },
    });
    expect(await app.createTransfers.execute({ transfers: [hold] })).toEqual(['ok']);
    expect(await app.getAccountBalances.execute([CUSTOMER])).toEqual([
      {
        accountId: CUSTOMER,
        currencyCode: 'GBP',
        currencyExponent: 2,
        ledgerBalanceMinor: 1000n,
        availableBalanceMinor: 700n,
      },
    ]);
    const post = transferInput({
      id: '3',
      pendingId: '2',
      amountMinor: 250n,
      currencyCode: '',
      flags: { ...NO_FLAGS, postPendingTransfer: true },
    });
    expect(await app.createTransfers.execute({ transfers: [post] })).toEqual(['ok']);
    expect(await app.createTransfers.execute({ transfers: [post, hold] })).toEqual([
      'exists',
      'exists',
    ]);
    expect(await app.getAccountBalances.execute([CUSTOMER])).toEqual([
      {
        accountId: CUSTOMER,
        currencyCode: 'GBP',
        currencyExponent: 2,
        ledgerBalanceMinor: 750n,
        availableBalanceMinor: 750n,
      },
    ]);
    const views = await app.lookupTransfers.execute(['2', '3', '404']);
    expect(views.map((view) => [view.transfer.id, view.pendingStatus])).toEqual([
      ['2', 'posted'],
      ['3', 'none'],
    ]);
    const firstPage = await app.getAccountTransfers.execute({
      accountId: CUSTOMER,
      afterTransferId: '',
      limit: 2,
    });
    expect(firstPage.transfers.map((view) => view.transfer.id)).toEqual(['1', '2']);
    const secondPage = await app.getAccountTransfers.execute({
      accountId: CUSTOMER,
      afterTransferId: firstPage.nextAfterTransferId,
      limit: 2,
    });
    expect(secondPage.transfers.map((view) => view.transfer.id)).toEqual(['3']);
    expect(secondPage.nextAfterTransferId).toBe('');
    expect(await ledgerTotals(app, ACCOUNT_IDS)).toEqual({
      debitsPending: 0n,
      creditsPending: 0n,
      debitsPosted: 1250n,
      creditsPosted: 1250n,
    });
  });

  it('expires timed-out holds exactly once with two sweepers on one store', async () => {
    const clock = new OffsetClock();
    const first = await open(1, clock);
    const second = await open(2, clock);
    await seed(first, 1000n);
    const holds = ['11', '12', '13'].map((id) =>
      transferInput({
        id,
        debitAccountId: CUSTOMER,
        creditAccountId: MERCHANT,
        amountMinor: 100n,
        timeoutSeconds: 30,
        flags: { ...NO_FLAGS, pending: true },
      }),
    );
    expect(await first.app.createTransfers.execute({ transfers: holds })).toEqual([
      'ok',
      'ok',
      'ok',
    ]);
    expect(await first.app.expirePendingTransfers.execute(100)).toEqual({ due: 0, expired: 0 });
    clock.offsetMs = 31_000;
    const sweeps = await Promise.all([
      first.app.expirePendingTransfers.execute(100),
      second.app.expirePendingTransfers.execute(100),
    ]);
    expect(sweeps.reduce((sum, sweep) => sum + sweep.expired, 0)).toBe(3);
    expect(await first.app.expirePendingTransfers.execute(100)).toEqual({ due: 0, expired: 0 });
    const views = await second.app.lookupTransfers.execute(['11', '12', '13']);
    expect(views.map((view) => view.pendingStatus)).toEqual(['expired', 'expired', 'expired']);
    const voidAfter = transferInput({
      id: '14',
      pendingId: '11',
      currencyCode: '',
      flags: { ...NO_FLAGS, voidPendingTransfer: true },
    });
    expect(await second.app.createTransfers.execute({ transfers: [voidAfter] })).toEqual([
      'pending_transfer_expired',
    ]);
    expect(await ledgerTotals(first.app, ACCOUNT_IDS)).toEqual({
      debitsPending: 0n,
      creditsPending: 0n,
      debitsPosted: 1000n,
      creditsPosted: 1000n,
    });
  });

  it('loses no update when two ledgers on one store each send 50 concurrent transfers on the same accounts', async () => {
    const clock = new OffsetClock();
    const first = await open(1, clock);
    const second = await open(2, clock);
    await seed(first, 1_000_000n);
    const send = (instance: LedgerInstance, idBase: number) =>
      Array.from({ length: 50 }, (_, index) =>
        instance.app.createTransfers.execute({
          transfers: [
            transferInput({
              id: String(idBase + index),
              debitAccountId: CUSTOMER,
              creditAccountId: MERCHANT,
              amountMinor: 7n,
            }),
          ],
        }),
      );
    const results = await Promise.all([...send(first, 1000), ...send(second, 2000)]);
    expect(results.flat().every((result) => result === 'ok')).toBe(true);
    const [customer, merchant] = await second.app.lookupAccounts.execute([CUSTOMER, MERCHANT]);
    expect(customer.debitsPostedMinor).toBe(700n);
    expect(merchant.creditsPostedMinor).toBe(700n);
    const page = await first.app.getAccountTransfers.execute({
      accountId: MERCHANT,
      afterTransferId: '',
      limit: 1000,
    });
    expect(page.transfers).toHaveLength(100);
  });

  it('drops a request whose deadline passed before its group started, writing nothing', async () => {
    const clock = new OffsetClock();
    const { app } = await open(1, clock);
    await seed({ app } as LedgerInstance, 1000n);
    const transfer = transferInput({
      id: '41',
      debitAccountId: CUSTOMER,
      creditAccountId: MERCHANT,
      amountMinor: 10n,
    });
    await expect(
      app.createTransfers.execute({ transfers: [transfer], deadlineMs: clock.nowMs() - 1 }),
    ).rejects.toMatchObject({
      code: 'timeout.ledger_deadline_passed',
    });
    expect(await app.lookupTransfers.execute(['41'])).toEqual([]);
    expect(
      await app.createTransfers.execute({
        transfers: [transfer],
        deadlineMs: clock.nowMs() + 10_000,
      }),
    ).toEqual(['ok']);
  });

  it('releases the accounts of a commit that failed half-way at once, without waiting for its lease', async () => {
    const clock = new OffsetClock();
    let failNextBatch = false;
    const instance = await open(1, clock, {
      commitLeaseMs: 60_000,
      wrapStore: (store) => ({
        ...bindStore(store),
        batch: (statements) => {
          if (failNextBatch) {
            failNextBatch = false;
            return Promise.reject(new Error('store hiccup'));
          }
          return store.batch(statements);
        },
      }),
    });
    await seed(instance, 1000n);
    const transfer = transferInput({
      id: '31',
      debitAccountId: CUSTOMER,
      creditAccountId: MERCHANT,
      amountMinor: 10n,
    });
    failNextBatch = true;
    await expect(instance.app.createTransfers.execute({ transfers: [transfer] })).rejects.toThrow(
      'store hiccup',
    );
    expect(await instance.app.createTransfers.execute({ transfers: [transfer] })).toEqual(['ok']);
    const [customer] = await instance.app.lookupAccounts.execute([CUSTOMER]);
    expect(customer.debitsPostedMinor).toBe(10n);
  });

  it('never half-applies a commit, whichever write the process dies at, and a retry applies it once', async () => {
    const leaseMs = 200;
    const request = [
      transferInput({
        id: '21',
        debitAccountId: CUSTOMER,
        creditAccountId: MERCHANT,
        amountMinor: 40n,
        flags: { ...NO_FLAGS, pending: true },
      }),
      transferInput({
        id: '22',
        pendingId: '21',
        currencyCode: '',
        amountMinor: 30n,
        flags: { ...NO_FLAGS, postPendingTransfer: true },
      }),
      transferInput({
        id: '23',
        debitAccountId: FUNDING,
        creditAccountId: CUSTOMER,
        amountMinor: 5n,
      }),
    ];
    // Counts the writes of one clean commit, then replays it dying at each write in turn.
    let writesPerCommit = 0;
    for (let crashAt = 1; ; crashAt += 1) {
      const runDir = makeTempDir('ledger-crash-');
      const path = join(runDir.path, 'ledger.db');
      const clock = new OffsetClock();
      const setup = await openLedgerInstance({ path, workerId: 1, clock, commitLeaseMs: leaseMs });
      await seed(setup, 1000n);
      await setup.close();
      let writes = 0;
      const crashing = await openLedgerInstance({
        path,
        workerId: 2,
        clock,
        commitLeaseMs: leaseMs,
        wrapStore: (store) => crashAfterWrites(store, crashAt, () => (writes += 1)),
      });
      const outcome = await crashing.app.createTransfers.execute({ transfers: request }).then(
        (results) => ({ crashed: false, results }),
        () => ({ crashed: true, results: [] as string[] }),
      );
      await crashing.close().catch(() => undefined);
      if (!outcome.crashed) {
        expect(outcome.results).toEqual(['ok', 'ok', 'ok']);
        writesPerCommit = writes;
        runDir.remove();
        break;
      }
      const restarted = await openLedgerInstance({
        path,
        workerId: 3,
        clock,
        commitLeaseMs: leaseMs,
      });
      // Before the lease passes and after, readers see all of the commit or none of it.
      const visible = await restarted.app.lookupTransfers.execute(['21', '22', '23']);
      expect([0, 3]).toContain(visible.length);
      const totals = await ledgerTotals(restarted.app, ACCOUNT_IDS);
      expect(totals.debitsPosted).toBe(totals.creditsPosted);
      expect(totals.debitsPending).toBe(totals.creditsPending);
      expect(totals.debitsPosted).toBe(visible.length === 3 ? 1035n : 1000n);
      clock.offsetMs = leaseMs + 50;
      const retried = await restarted.app.createTransfers.execute({ transfers: request });
      expect(retried).toEqual(
        visible.length === 3 ? ['exists', 'exists', 'exists'] : ['ok', 'ok', 'ok'],
      );
      const [customer] = await restarted.app.lookupAccounts.execute([CUSTOMER]);
      expect(customer.debitsPostedMinor).toBe(30n);
      expect(customer.creditsPostedMinor).toBe(1005n);
      expect(customer.debitsPendingMinor).toBe(0n);
      await restarted.close();
      runDir.remove();
      expect(crashAt).toBeLessThan(100);
    }
    expect(writesPerCommit).toBeGreaterThanOrEqual(4);
  });
});

function bindStore(store: Store): Store {
  return {
    migrate: (migrations) => store.migrate(migrations),
    get: (table, key) => store.get(table, key),
    getMany: (table, keys) => store.getMany(table, keys),
    query: (query) => store.query(query),
    upsert: (table, row, options) => store.upsert(table, row, options),
    insertIfNotExists: (table, row, options) => store.insertIfNotExists(table, row, options),
    updateIf: (table, key, set, expected, options) =>
      store.updateIf(table, key, set, expected, options),
    conditionalWrites: (statements) => store.conditionalWrites(statements),
    delete: (table, key) => store.delete(table, key),
    batch: (statements) => store.batch(statements),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}

/**
 * A store that dies (every call fails from then on) at its `crashAt`-th write. Each statement of
 * a conditionalWrites call counts as a write: dying inside one applies the statements before it,
 * as Cassandra may (its lightweight transactions are not atomic together).
 */
function crashAfterWrites(store: Store, crashAt: number, onWrite: () => number): Store {
  let dead = false;
  const write = <T>(call: () => Promise<T>): Promise<T> => {
    if (dead || onWrite() >= crashAt) {
      dead = true;
      return Promise.reject(new Error('simulated crash'));
    }
    return call();
  };
  const read = <T>(call: () => Promise<T>): Promise<T> =>
    dead ? Promise.reject(new Error('simulated crash')) : call();
  return {
    migrate: (migrations) => store.migrate(migrations),
    get: (table, key) => read(() => store.get(table, key)),
    getMany: (table, keys) => read(() => store.getMany(table, keys)),
    query: (query) => read(() => store.query(query)),
    upsert: (table, row, options) => write(() => store.upsert(table, row, options)),
    insertIfNotExists: (table, row, options) =>
      write(() => store.insertIfNotExists(table, row, options)),
    updateIf: (table, key, set, expected, options) =>
      write(() => store.updateIf(table, key, set, expected, options)),
    conditionalWrites: async (statements) => {
      if (dead) {
        throw new Error('simulated crash');
      }
      for (let index = 0; index < statements.length; index += 1) {
        if (onWrite() >= crashAt) {
          dead = true;
          await store.conditionalWrites(statements.slice(0, index));
          throw new Error('simulated crash');
        }
      }
      return store.conditionalWrites(statements);
    },
    delete: (table, key) => write(() => store.delete(table, key)),
    batch: (statements) => write(() => store.batch(statements)),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}
