import { join } from 'node:path';

import type { Store } from '@corebank/platform-storage';

import {
  accountInput,
  makeTempDir,
  OffsetClock,
  openLedgerInstance,
  transferInput,
  type LedgerInstance,
} from '../../testing/ledger-test-kit';

jest.setTimeout(30_000);

/** Counts the store's write calls: one group commit makes the same calls whatever its size. */
function countingWrites(store: Store, counter: { writes: number }): Store {
  const writeMethods = new Set(['batch', 'conditionalWrites', 'upsert', 'insertIfNotExists']);
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value === 'function' && writeMethods.has(String(property))) {
        return (...args: unknown[]) => {
          counter.writes += 1;
          return (value as (...callArgs: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}

describe('ledger group commit window', () => {
  const directory = makeTempDir('ledger-group-');
  const counter = { writes: 0 };
  let ledger: LedgerInstance;
  let sequence = 0;

  const transfer = () => {
    sequence += 1;
    return transferInput({
      id: String(1_000 + sequence),
      debitAccountId: '1',
      creditAccountId: '2',
      amountMinor: 5n,
    });
  };

  async function writesOf(run: () => Promise<unknown>): Promise<number> {
    const before = counter.writes;
    await run();
    return counter.writes - before;
  }

  beforeAll(async () => {
    ledger = await openLedgerInstance({
      path: join(directory.path, 'ledger.db'),
      workerId: 1,
      clock: new OffsetClock(),
      // Far longer than the test's timeout: a request that waited for it would fail the test.
      windowMs: 1_000,
      wrapStore: (store) => countingWrites(store, counter),
    });
    await ledger.app.createAccounts.execute({ accounts: [accountInput('1'), accountInput('2')] });
  });

  afterAll(async () => {
    await ledger.close();
    directory.remove();
  });

  it('commits a lone request of an idle committer at once, without the window', async () => {
    // Let any group from the setup age past the window, so the committer is idle.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const startedMs = Date.now();
    const results = await ledger.app.createTransfers.execute({ transfers: [transfer()] });
    expect(results).toEqual(['ok']);
    // Not a speed assertion: waiting for the window would take at least 1,000 ms.
    expect(Date.now() - startedMs).toBeLessThan(1_000);
  });

  it('commits requests that arrive in one turn of an idle committer as one group', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const lone = await writesOf(() =>
      ledger.app.createTransfers.execute({ transfers: [transfer()] }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const together = await writesOf(() =>
      Promise.all(
        Array.from({ length: 5 }, () =>
          ledger.app.createTransfers.execute({ transfers: [transfer()] }),
        ),
      ),
    );
    expect(together).toBe(lone);
  });

  it('groups a request that follows a commit within the window with the next one', async () => {
    await ledger.app.createTransfers.execute({ transfers: [transfer()] });
    // The committer is busy now (a group just ended): both wait for the window and commit together.
    const lone = counter.writes;
    const first = ledger.app.createTransfers.execute({ transfers: [transfer()] });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = ledger.app.createTransfers.execute({ transfers: [transfer()] });
    expect(await Promise.all([first, second])).toEqual([['ok'], ['ok']]);
    const groupWrites = counter.writes - lone;
    const single = await writesOf(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await ledger.app.createTransfers.execute({ transfers: [transfer()] });
    });
    expect(groupWrites).toBe(single);
  });
});
