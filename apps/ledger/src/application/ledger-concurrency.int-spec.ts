import { join } from 'node:path';

import fc from 'fast-check';

import { NO_FLAGS, type TransferInput } from '../domain/transfer';
import {
  accountInput,
  makeTempDir,
  OffsetClock,
  openLedgerInstance,
  transferInput,
} from '../testing/ledger-test-kit';

const ACCOUNT_IDS = ['1', '2', '3', '4'];
const CUSTOMER_IDS = new Set(['1', '2']);

interface ItemSpec {
  id: number;
  debit: number;
  credit: number;
  amount: bigint;
  kind: 'posted' | 'pending' | 'post' | 'void';
  pendingRef: number;
}

const itemArbitrary: fc.Arbitrary<ItemSpec> = fc.record({
  id: fc.integer({ min: 1, max: 40 }),
  debit: fc.integer({ min: 0, max: 3 }),
  credit: fc.integer({ min: 0, max: 3 }),
  amount: fc.bigInt({ min: 0n, max: 200n }),
  kind: fc.constantFrom('posted', 'posted', 'pending', 'post', 'void'),
  pendingRef: fc.integer({ min: 1, max: 40 }),
});

function toInput(spec: ItemSpec): TransferInput {
  const resolves = spec.kind === 'post' || spec.kind === 'void';
  return transferInput({
    id: String(100 + spec.id),
    debitAccountId: resolves ? '' : ACCOUNT_IDS[spec.debit],
    creditAccountId: resolves ? '' : ACCOUNT_IDS[spec.credit],
    amountMinor: spec.amount,
    currencyCode: resolves ? '' : 'GBP',
    pendingId: resolves ? String(100 + spec.pendingRef) : '',
    flags: {
      ...NO_FLAGS,
      pending: spec.kind === 'pending',
      postPendingTransfer: spec.kind === 'post',
      voidPendingTransfer: spec.kind === 'void',
    },
  });
}

describe('ledger under concurrent submissions (property-based, real store, two ledgers)', () => {
  it('keeps balances equal to the committed transfers, limits held and replays inert', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(itemArbitrary, { minLength: 1, maxLength: 4 }), {
          minLength: 2,
          maxLength: 12,
        }),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        async (requests, onFirst) => {
          const dir = makeTempDir('ledger-concurrency-');
          const clock = new OffsetClock();
          const path = join(dir.path, 'ledger.db');
          const first = await openLedgerInstance({ path, workerId: 1, clock });
          const second = await openLedgerInstance({ path, workerId: 2, clock });
          try {
            await first.app.createAccounts.execute({
              accounts: ACCOUNT_IDS.map((id) =>
                accountInput(id, {
                  flags: {
                    debitsMustNotExceedCredits: CUSTOMER_IDS.has(id),
                    creditsMustNotExceedDebits: false,
                  },
                }),
              ),
            });
            await first.app.createTransfers.execute({
              transfers: [
                transferInput({
                  id: '1',
                  debitAccountId: '3',
                  creditAccountId: '1',
                  amountMinor: 300n,
                }),
              ],
            });
            const inputs = requests.map((items) => items.map(toInput));
            // Every request at once, spread over the two ledgers.
            const outcomes = await Promise.all(
              inputs.map((transfers, index) =>
                (onFirst[index] ? first : second).app.createTransfers.execute({ transfers }),
              ),
            );
            const ids = ['1', ...Array.from({ length: 40 }, (_, index) => String(101 + index))];
            const views = await second.app.lookupTransfers.execute(ids);
            const expected = new Map(
              ACCOUNT_IDS.map((id) => [id, { dp: 0n, dq: 0n, cp: 0n, cq: 0n }]),
            );
            const byId = new Map(views.map((view) => [view.transfer.id, view]));
            let resolutions = 0;
            for (const { transfer, pendingStatus } of views) {
              const debit = expected.get(transfer.debitAccountId)!;
              const credit = expected.get(transfer.creditAccountId)!;
              if (transfer.flags.pending) {
                if (pendingStatus === 'pending') {
                  debit.dp += transfer.amountMinor;
                  credit.cp += transfer.amountMinor;
                }
              } else if (!transfer.flags.voidPendingTransfer) {
                debit.dq += transfer.amountMinor;
                credit.cq += transfer.amountMinor;
              }
              if (transfer.flags.postPendingTransfer || transfer.flags.voidPendingTransfer) {
                resolutions += 1;
                const pending = byId.get(transfer.pendingId);
                expect(pending?.pendingStatus).toBe(
                  transfer.flags.postPendingTransfer ? 'posted' : 'voided',
                );
              }
            }
            // A hold resolves at most once: one resolving transfer per resolved hold.
            const resolvedHolds = views.filter(
              (view) => view.pendingStatus === 'posted' || view.pendingStatus === 'voided',
            );
            expect(resolutions).toBe(resolvedHolds.length);
            const accounts = await first.app.lookupAccounts.execute(ACCOUNT_IDS);
            for (const account of accounts) {
              const sums = expected.get(account.id)!;
              expect([
                account.debitsPendingMinor,
                account.debitsPostedMinor,
                account.creditsPendingMinor,
                account.creditsPostedMinor,
              ]).toEqual([sums.dp, sums.dq, sums.cp, sums.cq]);
              if (account.flags.debitsMustNotExceedCredits) {
                expect(account.debitsPendingMinor + account.debitsPostedMinor).toBeLessThanOrEqual(
                  account.creditsPostedMinor,
                );
              }
            }
            // Replaying every item that succeeded, concurrently, changes nothing.
            const replays = inputs.map((transfers, index) =>
              transfers.filter((_, item) => outcomes[index][item] === 'ok'),
            );
            const replayed = await Promise.all(
              replays.map((transfers, index) =>
                (onFirst[index] ? second : first).app.createTransfers.execute({ transfers }),
              ),
            );
            expect(replayed.flat().every((result) => result === 'exists')).toBe(true);
            expect(await first.app.lookupAccounts.execute(ACCOUNT_IDS)).toEqual(accounts);
          } finally {
            await first.close();
            await second.close();
            dir.remove();
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
