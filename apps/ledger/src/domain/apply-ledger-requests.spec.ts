import fc from 'fast-check';

import { Account, AccountInput, newAccount } from './account';
import {
  applyLedgerRequests,
  LedgerChanges,
  LedgerRequest,
  LedgerSnapshot,
  referencedAccountIds,
  referencedTransferIds,
} from './apply-ledger-requests';
import { UINT64_MAX } from './ledger-numbers';
import { NO_FLAGS, PendingResolution, Transfer, TransferFlags, TransferInput } from './transfer';
import { CreateTransferResult } from './transfer-result';

const START_MS = 1_700_000_000_000;

interface LedgerState {
  accounts: Map<string, Account>;
  transfers: Map<string, Transfer>;
  resolutions: Map<string, PendingResolution>;
}

const ACCOUNT_INPUTS: readonly AccountInput[] = [
  accountInput('1', 'GBP', { debitsMustNotExceedCredits: true, creditsMustNotExceedDebits: false }),
  accountInput('2', 'GBP', { debitsMustNotExceedCredits: true, creditsMustNotExceedDebits: false }),
  accountInput('3', 'GBP', { debitsMustNotExceedCredits: false, creditsMustNotExceedDebits: true }),
  accountInput('4', 'GBP', {
    debitsMustNotExceedCredits: false,
    creditsMustNotExceedDebits: false,
  }),
  accountInput('5', 'EUR', {
    debitsMustNotExceedCredits: false,
    creditsMustNotExceedDebits: false,
  }),
];

function accountInput(id: string, currencyCode: string, flags: Account['flags']): AccountInput {
  return { id, currencyCode, currencyExponent: 2, code: 'customer', flags, userData: '' };
}

function initialState(): LedgerState {
  return {
    accounts: new Map(ACCOUNT_INPUTS.map((input) => [input.id, newAccount(input, START_MS)])),
    transfers: new Map(),
    resolutions: new Map(),
  };
}

function transferInput(fields: Partial<TransferInput> & { id: string }): TransferInput {
  return {
    debitAccountId: '',
    creditAccountId: '',
    amountMinor: 0n,
    currencyCode: '',
    pendingId: '',
    timeoutSeconds: 0,
    userData: '',
    flags: NO_FLAGS,
    ...fields,
  };
}

/** Loads exactly what the application layer would load from the store, then applies. */
function applyLikeTheApplication(state: LedgerState, requests: LedgerRequest[], nowMs: number) {
  const transfers = new Map<string, Transfer>();
  for (const id of referencedTransferIds(requests)) {
    const stored = state.transfers.get(id);
    if (stored) {
      transfers.set(id, stored);
    }
  }
  const accounts = new Map<string, Account>();
  for (const id of referencedAccountIds(requests, transfers)) {
    const stored = state.accounts.get(id);
    if (stored) {
      accounts.set(id, stored);
    }
  }
  const resolutions = new Map<string, PendingResolution>();
  for (const id of transfers.keys()) {
    const stored = state.resolutions.get(id);
    if (stored) {
      resolutions.set(id, stored);
    }
  }
  const snapshot: LedgerSnapshot = { accounts, transfers, resolutions };
  return applyLedgerRequests(snapshot, requests, nowMs);
}

function merge(state: LedgerState, changes: LedgerChanges): void {
  for (const account of changes.accounts) {
    expect(account.version).toBe((state.accounts.get(account.id) as Account).version + 1n);
    state.accounts.set(account.id, account);
  }
  for (const transfer of changes.transfers) {
    expect(state.transfers.has(transfer.id)).toBe(false);
    state.transfers.set(transfer.id, transfer);
  }
  for (const resolution of changes.resolutions) {
    // A pending transfer resolves at most once.
    expect(state.resolutions.has(resolution.pendingId)).toBe(false);
    state.resolutions.set(resolution.pendingId, resolution);
  }
}

function checkInvariants(state: LedgerState): void {
  const totals = { debitsPending: 0n, creditsPending: 0n, debitsPosted: 0n, creditsPosted: 0n };
  for (const account of state.accounts.values()) {
    totals.debitsPending += account.debitsPendingMinor;
    totals.creditsPending += account.creditsPendingMinor;
    totals.debitsPosted += account.debitsPostedMinor;
    totals.creditsPosted += account.creditsPostedMinor;
    if (account.flags.debitsMustNotExceedCredits) {
      expect(account.debitsPendingMinor + account.debitsPostedMinor).toBeLessThanOrEqual(
        account.creditsPostedMinor,
      );
    }
    if (account.flags.creditsMustNotExceedDebits) {
      expect(account.creditsPendingMinor + account.creditsPostedMinor).toBeLessThanOrEqual(
        account.debitsPostedMinor,
      );
    }
  }
  expect(totals.debitsPending).toBe(totals.creditsPending);
  expect(totals.debitsPosted).toBe(totals.creditsPosted);
  // Pending balances equal the sum of unresolved pending transfers.
  let heldMinor = 0n;
  for (const transfer of state.transfers.values()) {
    if (transfer.flags.pending && !state.resolutions.has(transfer.id)) {
      heldMinor += transfer.amountMinor;
    }
  }
  expect(totals.debitsPending).toBe(heldMinor);
}

/** Random operations; ids and amounts drawn from small pools so they collide often. */
type Operation =
  | { kind: 'submit'; items: ItemSpec[] }
  | { kind: 'replay'; index: number }
  | { kind: 'advance'; seconds: number }
  | { kind: 'expire' };

interface ItemSpec {
  id: number;
  debit: number;
  credit: number;
  amount: bigint;
  kind: 'posted' | 'pending' | 'post' | 'void' | 'bad_amount';
  pendingRef: number;
  timeoutSeconds: number;
  linked: boolean;
  postAbove: boolean;
  currency: 'GBP' | 'EUR' | '';
}

const itemArbitrary: fc.Arbitrary<ItemSpec> = fc.record({
  id: fc.integer({ min: 1, max: 60 }),
  debit: fc.integer({ min: 0, max: 6 }),
  credit: fc.integer({ min: 0, max: 6 }),
  amount: fc.oneof(
    fc.bigInt({ min: 0n, max: 300n }),
    fc.constantFrom(0n, UINT64_MAX, UINT64_MAX + 1n),
  ),
  kind: fc.constantFrom('posted', 'posted', 'pending', 'post', 'void', 'bad_amount'),
  pendingRef: fc.integer({ min: 1, max: 60 }),
  timeoutSeconds: fc.constantFrom(0, 0, 1, 5, 30),
  linked: fc.boolean(),
  postAbove: fc.boolean(),
  currency: fc.constantFrom('GBP', 'GBP', 'GBP', 'EUR', ''),
});

const operationArbitrary: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('submit' as const),
      items: fc.array(itemArbitrary, { minLength: 1, maxLength: 8 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replay' as const), index: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      seconds: fc.integer({ min: 1, max: 20 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'expire' as const }) },
);

function toInput(spec: ItemSpec): TransferInput {
  const flags: TransferFlags = {
    ...NO_FLAGS,
    linked: spec.linked,
    pending: spec.kind === 'pending',
    postPendingTransfer: spec.kind === 'post',
    voidPendingTransfer: spec.kind === 'void',
    postAbovePendingAmountAllowed: spec.kind === 'post' && spec.postAbove,
  };
  const resolves = spec.kind === 'post' || spec.kind === 'void';
  return transferInput({
    id: String(spec.id),
    debitAccountId: resolves || spec.debit === 0 ? '' : String(spec.debit),
    creditAccountId: resolves || spec.credit === 0 ? '' : String(spec.credit),
    amountMinor: spec.kind === 'bad_amount' ? undefined : spec.amount,
    currencyCode: resolves ? '' : spec.currency,
    pendingId: resolves ? String(spec.pendingRef) : '',
    timeoutSeconds: spec.kind === 'pending' ? spec.timeoutSeconds : 0,
    flags,
  });
}

describe('applyLedgerRequests (property-based)', () => {
  it('keeps the books balanced, limits held, replays inert and resolutions single over random sequences', () => {
    // Fund the flagged accounts first so limits sometimes pass and sometimes fail.
    const funding: LedgerRequest = {
      kind: 'create_transfers',
      transfers: [
        transferInput({
          id: '900',
          debitAccountId: '4',
          creditAccountId: '1',
          amountMinor: 500n,
          currencyCode: 'GBP',
        }),
        transferInput({
          id: '901',
          debitAccountId: '3',
          creditAccountId: '4',
          amountMinor: 1n,
          currencyCode: 'GBP',
        }),
      ],
    };
    fc.assert(
      fc.property(fc.array(operationArbitrary, { minLength: 1, maxLength: 30 }), (operations) => {
        const state = initialState();
        let nowMs = START_MS;
        const funded = applyLikeTheApplication(state, [funding], nowMs);
        merge(state, funded.changes);
        const submitted: LedgerRequest[] = [];
        for (const operation of operations) {
          let requests: LedgerRequest[];
          switch (operation.kind) {
            case 'submit':
              requests = [{ kind: 'create_transfers', transfers: operation.items.map(toInput) }];
              submitted.push(requests[0]);
              break;
            case 'replay':
              requests =
                submitted.length === 0 ? [] : [submitted[operation.index % submitted.length]];
              break;
            case 'advance':
              nowMs += operation.seconds * 1000;
              requests = [];
              break;
            case 'expire':
              requests = [{ kind: 'expire_pending', pendingIds: [...state.transfers.keys()] }];
              break;
          }
          if (requests.length === 0) {
            continue;
          }
          const result = applyLikeTheApplication(state, requests, nowMs);
          checkChainsAllOrNothing(requests, result.outcomes, result.changes);
          merge(state, result.changes);
          checkInvariants(state);
          checkOkItemsReplayInert(state, requests, result.outcomes, nowMs);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('applies several requests in one batch exactly as one after the other', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(itemArbitrary, { minLength: 1, maxLength: 6 }), {
          minLength: 2,
          maxLength: 6,
        }),
        (batches) => {
          const requests: LedgerRequest[] = batches.map((items) => ({
            kind: 'create_transfers',
            transfers: items.map(toInput),
          }));
          const together = initialState();
          const grouped = applyLikeTheApplication(together, requests, START_MS);
          merge(together, grouped.changes);
          const alone = initialState();
          const sequentialOutcomes = requests.map((request) => {
            const result = applyLikeTheApplication(alone, [request], START_MS);
            merge(alone, result.changes);
            return result.outcomes[0];
          });
          expect(grouped.outcomes).toEqual(sequentialOutcomes);
          expect([...together.accounts.values()].map(withoutVersion)).toEqual(
            [...alone.accounts.values()].map(withoutVersion),
          );
          expect(new Set(together.transfers.keys())).toEqual(new Set(alone.transfers.keys()));
        },
      ),
      { numRuns: 1000 },
    );
  });
});

function withoutVersion(account: Account): Omit<Account, 'version'> {
  const { version: _version, ...rest } = account;
  return rest;
}

function checkChainsAllOrNothing(
  requests: readonly LedgerRequest[],
  outcomes: ReturnType<typeof applyLedgerRequests>['outcomes'],
  changes: LedgerChanges,
): void {
  const created = new Set(changes.transfers.map((transfer) => transfer.id));
  requests.forEach((request, requestIndex) => {
    if (request.kind !== 'create_transfers') {
      return;
    }
    const results = outcomes[requestIndex].results as readonly CreateTransferResult[];
    request.transfers.forEach((transfer, index) => {
      if (results[index] !== 'ok' && results[index] !== 'exists') {
        // A failed item never lands, unless another ok item of the batch used the same id.
        const otherOk = request.transfers.some(
          (other, otherIndex) => other.id === transfer.id && results[otherIndex] === 'ok',
        );
        expect(created.has(transfer.id) && !otherOk).toBe(false);
      }
      const inChain =
        transfer.flags.linked || (index > 0 && request.transfers[index - 1].flags.linked);
      if (inChain && results[index] === 'linked_event_failed') {
        expect(results.some((result) => result !== 'ok' && result !== 'linked_event_failed')).toBe(
          true,
        );
      }
    });
  });
}

function checkOkItemsReplayInert(
  state: LedgerState,
  requests: readonly LedgerRequest[],
  outcomes: ReturnType<typeof applyLedgerRequests>['outcomes'],
  nowMs: number,
): void {
  const replays: LedgerRequest[] = [];
  requests.forEach((request, requestIndex) => {
    if (request.kind === 'create_transfers') {
      const results = outcomes[requestIndex].results;
      replays.push({
        kind: 'create_transfers',
        transfers: request.transfers.filter((_, index) => results[index] === 'ok'),
      });
    }
  });
  const replayed = applyLikeTheApplication(state, replays, nowMs + 60_000);
  expect(replayed.changes.accounts).toHaveLength(0);
  expect(replayed.changes.transfers).toHaveLength(0);
  expect(replayed.changes.resolutions).toHaveLength(0);
  for (const outcome of replayed.outcomes) {
    for (const result of outcome.results) {
      expect(result).toBe('exists');
    }
  }
}
