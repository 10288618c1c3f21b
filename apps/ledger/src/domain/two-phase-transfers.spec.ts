import { Account, newAccount } from './account';
import { applyLedgerRequests, LedgerRequest, LedgerSnapshot } from './apply-ledger-requests';
import { UINT64_MAX } from './ledger-numbers';
import { NO_FLAGS, PendingResolution, Transfer, TransferInput } from './transfer';

const NOW_MS = 1_700_000_000_000;

function ledger(): {
  snapshot: LedgerSnapshot & {
    accounts: Map<string, Account>;
    transfers: Map<string, Transfer>;
    resolutions: Map<string, PendingResolution>;
  };
  run: (transfers: Partial<TransferInput>[], nowMs?: number) => string[];
  expire: (pendingIds: string[], nowMs: number) => string[];
} {
  const customer = newAccount(
    {
      id: '10',
      currencyCode: 'GBP',
      currencyExponent: 2,
      code: 'customer',
      flags: { debitsMustNotExceedCredits: true, creditsMustNotExceedDebits: false },
      userData: '',
    },
    NOW_MS,
  );
  const funding = newAccount(
    {
      id: '20',
      currencyCode: 'GBP',
      currencyExponent: 2,
      code: 'funding',
      flags: { debitsMustNotExceedCredits: false, creditsMustNotExceedDebits: false },
      userData: '',
    },
    NOW_MS,
  );
  const euro = newAccount({ ...funding, id: '30', currencyCode: 'EUR' }, NOW_MS);
  const snapshot = {
    accounts: new Map([customer, funding, euro].map((account) => [account.id, account])),
    transfers: new Map<string, Transfer>(),
    resolutions: new Map<string, PendingResolution>(),
  };
  const apply = (request: LedgerRequest, nowMs: number): string[] => {
    const result = applyLedgerRequests(snapshot, [request], nowMs);
    result.changes.accounts.forEach((account) => snapshot.accounts.set(account.id, account));
    result.changes.transfers.forEach((transfer) => snapshot.transfers.set(transfer.id, transfer));
    result.changes.resolutions.forEach((resolution) =>
      snapshot.resolutions.set(resolution.pendingId, resolution),
    );
    return [...result.outcomes[0].results];
  };
  return {
    snapshot,
    run: (transfers, nowMs = NOW_MS) =>
      apply(
        {
          kind: 'create_transfers',
          transfers: transfers.map((fields, index) => ({
            id: String(1000 + index),
            debitAccountId: '',
            creditAccountId: '',
            amountMinor: 0n,
            currencyCode: '',
            pendingId: '',
            timeoutSeconds: 0,
            userData: '',
            flags: NO_FLAGS,
            ...fields,
          })),
        },
        nowMs,
      ),
    expire: (pendingIds, nowMs) => apply({ kind: 'expire_pending', pendingIds }, nowMs),
  };
}

const fund = {
  id: '1',
  debitAccountId: '20',
  creditAccountId: '10',
  amountMinor: 1000n,
  currencyCode: 'GBP',
};
const hold = (id: string, amountMinor: bigint, timeoutSeconds = 0): Partial<TransferInput> => ({
  id,
  debitAccountId: '10',
  creditAccountId: '20',
  amountMinor,
  currencyCode: 'GBP',
  timeoutSeconds,
  flags: { ...NO_FLAGS, pending: true },
});

describe('two-phase transfers', () => {
  it('posts less than the hold and releases the rest', () => {
    const { snapshot, run } = ledger();
    expect(run([fund, hold('2', 300n)])).toEqual(['ok', 'ok']);
    expect(
      run([
        {
          id: '3',
          pendingId: '2',
          amountMinor: 250n,
          flags: { ...NO_FLAGS, postPendingTransfer: true },
        },
      ]),
    ).toEqual(['ok']);
    const customer = snapshot.accounts.get('10')!;
    expect(customer.debitsPendingMinor).toBe(0n);
    expect(customer.debitsPostedMinor).toBe(250n);
    expect(snapshot.resolutions.get('2')?.kind).toBe('posted');
  });

  it('posts more than the hold only with the flag, and checks the limit on the excess', () => {
    const { run } = ledger();
    run([fund, hold('2', 300n)]);
    const post = (id: string, amountMinor: bigint, allowed: boolean): Partial<TransferInput> => ({
      id,
      pendingId: '2',
      amountMinor,
      flags: { ...NO_FLAGS, postPendingTransfer: true, postAbovePendingAmountAllowed: allowed },
    });
    expect(run([post('3', 301n, false)])).toEqual(['exceeds_pending_transfer_amount']);
    expect(run([post('3', 1001n, true)])).toEqual(['exceeds_credits']);
    expect(run([post('3', 1000n, true)])).toEqual(['ok']);
    expect(run([post('4', 1n, true)])).toEqual(['pending_transfer_already_posted']);
  });

  it('resolves a hold at most once: void after void, post after void, post after expiry', () => {
    const { run, expire } = ledger();
    run([fund, hold('2', 100n), hold('5', 100n, 10)]);
    const voidOf = (id: string, pendingId: string) => ({
      id,
      pendingId,
      flags: { ...NO_FLAGS, voidPendingTransfer: true },
    });
    expect(run([voidOf('3', '2')])).toEqual(['ok']);
    expect(run([voidOf('4', '2')])).toEqual(['pending_transfer_already_voided']);
    expect(
      run([{ id: '6', pendingId: '2', flags: { ...NO_FLAGS, postPendingTransfer: true } }]),
    ).toEqual(['pending_transfer_already_voided']);
    expect(expire(['5'], NOW_MS + 9_999)).toEqual(['not_due']);
    expect(run([voidOf('7', '5')], NOW_MS + 10_000)).toEqual(['pending_transfer_expired']);
    expect(expire(['5', '5', '2', '404'], NOW_MS + 10_000)).toEqual([
      'ok',
      'already_resolved',
      'already_resolved',
      'not_found',
    ]);
  });

  it('rejects bad input item by item', () => {
    const { run } = ledger();
    expect(
      run([
        { ...fund, id: '0' },
        { ...fund, id: '2', creditAccountId: '999' },
        { ...fund, id: '3', amountMinor: 0n },
        { ...fund, id: '4', creditAccountId: '30' },
        { ...fund, id: '5', currencyCode: 'EUR' },
        { ...fund, id: '6', amountMinor: UINT64_MAX + 1n },
        { ...fund, id: '7', amountMinor: undefined },
        { ...fund, id: '8', creditAccountId: '20' },
        { ...fund, id: '9', timeoutSeconds: 5 },
        { id: '11', pendingId: '404', flags: { ...NO_FLAGS, postPendingTransfer: true } },
        { id: '12', pendingId: '1', flags: { ...NO_FLAGS, voidPendingTransfer: true } },
      ]),
    ).toEqual([
      'id_invalid',
      'credit_account_not_found',
      'amount_must_not_be_zero',
      'accounts_must_have_the_same_currency',
      'transfer_must_have_the_same_currency_as_accounts',
      'amount_exceeds_uint64',
      'amount_malformed',
      'accounts_must_be_different',
      'timeout_reserved_for_pending_transfer',
      'pending_transfer_not_found',
      'pending_transfer_not_found',
    ]);
  });

  it('applies a linked chain all-or-nothing and reports an open chain', () => {
    const { snapshot, run } = ledger();
    const linked = { ...NO_FLAGS, linked: true };
    expect(
      run([
        { ...fund, flags: linked },
        { ...fund, id: '2', debitAccountId: '10', creditAccountId: '20', amountMinor: 5000n },
      ]),
    ).toEqual(['linked_event_failed', 'exceeds_credits']);
    expect(snapshot.transfers.size).toBe(0);
    expect(snapshot.accounts.get('10')!.creditsPostedMinor).toBe(0n);
    expect(run([fund, { ...fund, id: '2', flags: linked }])).toEqual([
      'ok',
      'linked_event_chain_open',
    ]);
    expect(run([fund])).toEqual(['exists']);
    expect(run([{ ...fund, amountMinor: 7n }])).toEqual(['exists_with_different_fields']);
  });
});
