import type { Clock } from '@corebank/platform-clock';
import { parseSnowflake } from '@corebank/platform-ids';
import type { ConditionalStatement, Row, Store, WriteStatement } from '@corebank/platform-storage';

import type { Account } from '../domain/account';
import type { LedgerChanges } from '../domain/apply-ledger-requests';
import { assertInvariant } from '../domain/ledger-invariant';
import { type PendingResolution, pendingExpiresAtMs, type Transfer } from '../domain/transfer';
import type {
  CommitOutcome,
  ExpiryEntry,
  LedgerRepository,
  LoadForWrite,
  TransferView,
} from '../ports/ledger-repository.port';
import {
  accountFromRow,
  accountToRow,
  balanceColumns,
  balancesOf,
  bigintOf,
  idKey,
  resolutionFromRow,
  resolutionToRow,
  transferFromRow,
  transferToRow,
} from './ledger-row-mapping';
import { LEDGER_TABLES } from './ledger-tables';

/**
 * Crash-safe, multi-process commits on a Cassandra-shaped store (single-row compare-and-set,
 * unconditional logged batches, no multi-row condition). The protocol:
 *
 * 1. Every row a commit writes carries its `commit_id` (a snowflake: it also tells its age).
 * 2. Each changed account row is compare-and-set on its `version`: the new balances go in, the
 *    balances they replace stay beside them (`prev_*`), and `commit_id` points at this commit.
 *    The account is now held: other writers wait for the decision. The compare-and-sets of a
 *    commit go to the store together (`conditionalWrites`, chunked by `batchStatementsMax`):
 *    each applies or not on its own, and if any did not, the commit aborts, which releases the
 *    ones that did. Nothing relies on them being atomic together.
 * 3. Transfers, pending resolutions and index rows are written by plain (idempotent) batches.
 * 4. The decision: a conditional insert of `committed` into `ledger_commits`. It is the single
 *    atomic step. A writer that finds an account held by a commit older than the lease instead
 *    inserts `aborted`; exactly one of the two inserts wins.
 *
 * Readers resolve every row through its commit's decision: an account held by an undecided or
 * aborted commit shows its `prev_*` balances, rows of such commits are invisible. So a transfer
 * and its balance changes become visible together or never, whatever point a process dies at,
 * and nothing needs rolling forward or back after a crash: an undecided commit of a dead process
 * is aborted by the first writer that needs its accounts once its lease has passed.
 *
 * Known limit: two commits that reuse one transfer id with disjoint accounts, in flight at the
 * same instant in two processes, are not detected (transfer ids are not locked, to keep one
 * conditional write per account rather than per transfer). A retry that repeats its request
 * names the same accounts and is always caught.
 */
export interface StoreLedgerRepositoryOptions {
  readonly store: Store;
  readonly clock: Clock;
  /** A commit undecided for longer than this is presumed dead and may be aborted by others. */
  readonly commitLeaseMs: number;
  /**
   * Statements per store `batch` or `conditionalWrites` call (a commit's rows and its accounts'
   * compare-and-sets are spread over several calls).
   */
  readonly batchStatementsMax: number;
  /** Keys per store getMany. */
  readonly getManyKeysMax: number;
  /** Decided commit statuses remembered in memory (decisions never change). */
  readonly commitStatusCacheMax: number;
}

type CommitStatus = 'committed' | 'aborted' | 'undecided';

const HOUR_MS = 3_600_000;
const GENESIS_COMMIT_ID = 0n;
const EXPIRY_SWEEPER_NAME = 'expiry';
const FIRST_SWEEP_LOOKBACK_HOURS = 48;

export class StoreLedgerRepository implements LedgerRepository {
  private readonly decided = new Map<bigint, 'committed' | 'aborted'>();

  constructor(private readonly options: StoreLedgerRepositoryOptions) {}

  async insertAccounts(accounts: readonly Account[]): Promise<readonly (Account | undefined)[]> {
    const results: (Account | undefined)[] = [];
    for (const account of accounts) {
      const outcome = await this.options.store.insertIfNotExists(
        LEDGER_TABLES.accounts,
        accountToRow(account, GENESIS_COMMIT_ID),
      );
      if (outcome.applied) {
        results.push(undefined);
      } else {
        const current = outcome.current ?? (await this.getAccountRow(account.id));
        assertInvariant(current !== undefined, `account ${account.id} exists but cannot be read`);
        results.push(accountFromRow(current, balancesOf(current, '')));
      }
    }
    return results;
  }

  async loadTransfersForWrite(ids: Iterable<string>): Promise<LoadForWrite<Transfer>> {
    const rows = await this.getMany(
      LEDGER_TABLES.transfers,
      [...ids].map((id) => ({ id: idKey(id) })),
    );
    const statuses = await this.statusesOf(rows, true);
    const values = new Map<string, Transfer>();
    for (const row of rows) {
      const status = statuses.get(bigintOf(row, 'commit_id'));
      if (status === 'undecided') {
        return { kind: 'held', heldBy: bigintOf(row, 'commit_id').toString() };
      }
      if (status === 'committed') {
        const transfer = transferFromRow(row);
        values.set(transfer.id, transfer);
      }
    }
    return { kind: 'loaded', values };
  }

  async loadAccountsForWrite(ids: Iterable<string>): Promise<LoadForWrite<Account>> {
    const rows = await this.getMany(
      LEDGER_TABLES.accounts,
      [...ids].map((id) => ({ id: idKey(id) })),
    );
    const statuses = await this.statusesOf(rows, true);
    const values = new Map<string, Account>();
    for (const row of rows) {
      const status = statuses.get(bigintOf(row, 'commit_id'));
      if (status === 'undecided') {
        return { kind: 'held', heldBy: bigintOf(row, 'commit_id').toString() };
      }
      const account = accountFromRow(row, balancesOf(row, status === 'committed' ? '' : 'prev_'));
      values.set(account.id, account);
    }
    return { kind: 'loaded', values };
  }

  async loadResolutions(
    pendingIds: Iterable<string>,
  ): Promise<ReadonlyMap<string, PendingResolution>> {
    const rows = await this.getMany(
      LEDGER_TABLES.resolutions,
      [...pendingIds].map((id) => ({ pending_id: idKey(id) })),
    );
    const statuses = await this.statusesOf(rows, false);
    const values = new Map<string, PendingResolution>();
    for (const row of rows) {
      if (statuses.get(bigintOf(row, 'commit_id')) === 'committed') {
        const resolution = resolutionFromRow(row);
        values.set(resolution.pendingId, resolution);
      }
    }
    return values;
  }

  async commit(
    commitId: string,
    before: ReadonlyMap<string, Account>,
    changes: LedgerChanges,
  ): Promise<CommitOutcome> {
    const commitKey = BigInt(commitId);
    const accounts = [...changes.accounts].sort((left, right) =>
      BigInt(left.id) < BigInt(right.id) ? -1 : 1,
    );
    // Step 2: hold each account by compare-and-set on the version read, many per store call.
    // Sorted order keeps the calls of two writers on shared accounts in the same order.
    const holds = accounts.map((account): ConditionalStatement => {
      const previous = before.get(account.id);
      assertInvariant(previous !== undefined, `changed account ${account.id} was not read`);
      return {
        kind: 'updateIf',
        table: LEDGER_TABLES.accounts,
        key: { id: idKey(account.id) },
        set: {
          version: account.version,
          commit_id: commitKey,
          ...balanceColumns(account, ''),
          ...balanceColumns(previous, 'prev_'),
        },
        expected: { version: previous.version },
      };
    });
    let held = 0;
    const size = this.options.batchStatementsMax;
    for (let start = 0; start < holds.length; start += size) {
      const outcomes = await this.options.store.conditionalWrites(holds.slice(start, start + size));
      const applied = outcomes.filter((outcome) => outcome.applied).length;
      held += applied;
      if (applied < outcomes.length) {
        // Another writer moved an account: release the ones this commit holds, if any.
        if (held > 0) {
          await this.decide(commitKey, 'aborted');
        }
        return 'conflict';
      }
    }
    // Rows written after the lease could overwrite rows of a later commit of the same ids, made
    // after ours was presumed dead: past half the lease, give up instead.
    if (this.ageMs(commitKey) > this.options.commitLeaseMs / 2) {
      await this.decide(commitKey, 'aborted');
      return 'conflict';
    }
    await this.writeRows(commitKey, changes);
    const decision = await this.decide(commitKey, 'committed');
    return decision === 'committed' ? 'committed' : 'conflict';
  }

  abandon(commitId: string): Promise<'committed' | 'aborted'> {
    return this.decide(BigInt(commitId), 'aborted');
  }

  async lookupAccounts(ids: readonly string[]): Promise<readonly Account[]> {
    const rows = await this.getMany(
      LEDGER_TABLES.accounts,
      ids.map((id) => ({ id: idKey(id) })),
    );
    const statuses = await this.statusesOf(rows, false);
    const byId = new Map<string, Account>();
    for (const row of rows) {
      const committed = statuses.get(bigintOf(row, 'commit_id')) === 'committed';
      const account = accountFromRow(row, balancesOf(row, committed ? '' : 'prev_'));
      byId.set(account.id, account);
    }
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async lookupTransfers(ids: readonly string[]): Promise<readonly TransferView[]> {
    const rows = await this.getMany(
      LEDGER_TABLES.transfers,
      ids.map((id) => ({ id: idKey(id) })),
    );
    const statuses = await this.statusesOf(rows, false);
    const byId = new Map<string, Transfer>();
    for (const row of rows) {
      if (statuses.get(bigintOf(row, 'commit_id')) === 'committed') {
        const transfer = transferFromRow(row);
        byId.set(transfer.id, transfer);
      }
    }
    const pendingIds = [...byId.values()].filter((t) => t.flags.pending).map((t) => t.id);
    const resolutions = await this.loadResolutions(pendingIds);
    return ids.flatMap((id): TransferView[] => {
      const transfer = byId.get(id);
      if (!transfer) {
        return [];
      }
      const resolution = resolutions.get(id);
      const pendingStatus = !transfer.flags.pending ? 'none' : (resolution?.kind ?? 'pending');
      return [{ transfer, pendingStatus }];
    });
  }

  async accountTransfers(
    accountId: string,
    afterTransferId: string,
    limit: number,
  ): Promise<{
    readonly transfers: readonly TransferView[];
    readonly nextAfterTransferId: string;
  }> {
    const page = await this.options.store.query({
      table: LEDGER_TABLES.accountTransfers,
      partition: { account_id: idKey(accountId) },
      ...(afterTransferId === '' ? {} : { range: { gt: idKey(afterTransferId) } }),
      limit,
    });
    const ids = page.rows.map((row) => bigintOf(row, 'transfer_id').toString());
    // Index rows of undecided or aborted commits are skipped by lookupTransfers.
    const transfers = await this.lookupTransfers(ids);
    const nextAfterTransferId = page.rows.length === limit ? (ids[ids.length - 1] ?? '') : '';
    return { transfers, nextAfterTransferId };
  }

  async dueExpiries(nowMs: number, limit: number): Promise<readonly ExpiryEntry[]> {
    const currentHour = Math.floor(nowMs / HOUR_MS);
    const state = await this.options.store.get(LEDGER_TABLES.sweeperState, {
      name: EXPIRY_SWEEPER_NAME,
    });
    // The first sweep starts a while back, in case holds expired before any sweeper ran.
    const lowWaterHour = state
      ? Number(bigintOf(state, 'low_water_hour'))
      : currentHour - FIRST_SWEEP_LOOKBACK_HOURS;
    if (!state) {
      await this.options.store.insertIfNotExists(LEDGER_TABLES.sweeperState, {
        name: EXPIRY_SWEEPER_NAME,
        low_water_hour: BigInt(lowWaterHour),
      });
    }
    const dueRows: Row[] = [];
    let emptyHoursFromLowWater = 0;
    let everyEarlierHourEmpty = true;
    for (let hour = lowWaterHour; hour <= currentHour && dueRows.length < limit; hour += 1) {
      const page = await this.options.store.query({
        table: LEDGER_TABLES.expiries,
        partition: { expires_hour: BigInt(hour) },
        range: { lte: BigInt(nowMs) },
        limit: limit - dueRows.length,
      });
      dueRows.push(...page.rows);
      if (page.rows.length === 0 && everyEarlierHourEmpty && hour < currentHour) {
        emptyHoursFromLowWater += 1;
      } else {
        everyEarlierHourEmpty = false;
      }
    }
    const entryOf = (row: Row): ExpiryEntry => ({
      pendingId: bigintOf(row, 'pending_id').toString(),
      expiresAtMs: Number(bigintOf(row, 'expires_at_ms')),
    });
    // Entries of aborted commits are dropped; those of undecided ones wait for their decision.
    const statuses = await this.statusesOf(dueRows, false);
    const statusOf = (row: Row): CommitStatus | undefined =>
      statuses.get(bigintOf(row, 'commit_id'));
    await this.forgetExpiries(dueRows.filter((row) => statusOf(row) === 'aborted').map(entryOf));
    const due = dueRows.filter((row) => statusOf(row) === 'committed').map(entryOf);
    if (emptyHoursFromLowWater > 0) {
      // A past hour with no entry left never gets new ones (holds expire in the future).
      await this.options.store.updateIf(
        LEDGER_TABLES.sweeperState,
        { name: EXPIRY_SWEEPER_NAME },
        { low_water_hour: BigInt(lowWaterHour + emptyHoursFromLowWater) },
        { low_water_hour: BigInt(lowWaterHour) },
      );
    }
    return due;
  }

  async forgetExpiries(entries: readonly ExpiryEntry[]): Promise<void> {
    const statements: WriteStatement[] = entries.map((entry) => ({
      kind: 'delete',
      table: LEDGER_TABLES.expiries,
      key: {
        expires_hour: BigInt(Math.floor(entry.expiresAtMs / HOUR_MS)),
        expires_at_ms: BigInt(entry.expiresAtMs),
        pending_id: idKey(entry.pendingId),
      },
    }));
    await this.batchInChunks(statements);
  }

  private async writeRows(commitKey: bigint, changes: LedgerChanges): Promise<void> {
    // Grouped by table: the rows are independent, and a run of rows of one table is what the
    // store can write in multi-row statements.
    const statements: WriteStatement[] = changes.transfers.map((transfer) => ({
      kind: 'upsert',
      table: LEDGER_TABLES.transfers,
      row: transferToRow(transfer, commitKey),
    }));
    const expiryStatements: WriteStatement[] = [];
    for (const transfer of changes.transfers) {
      for (const accountId of [transfer.debitAccountId, transfer.creditAccountId]) {
        statements.push({
          kind: 'upsert',
          table: LEDGER_TABLES.accountTransfers,
          row: {
            account_id: idKey(accountId),
            transfer_id: idKey(transfer.id),
            commit_id: commitKey,
          },
        });
      }
      const expiresAtMs = pendingExpiresAtMs(transfer);
      if (expiresAtMs !== undefined) {
        expiryStatements.push({
          kind: 'upsert',
          table: LEDGER_TABLES.expiries,
          row: {
            expires_hour: BigInt(Math.floor(expiresAtMs / HOUR_MS)),
            expires_at_ms: BigInt(expiresAtMs),
            pending_id: idKey(transfer.id),
            commit_id: commitKey,
          },
        });
      }
    }
    statements.push(...expiryStatements);
    for (const resolution of changes.resolutions) {
      statements.push({
        kind: 'upsert',
        table: LEDGER_TABLES.resolutions,
        row: resolutionToRow(resolution, commitKey),
      });
    }
    await this.batchInChunks(statements);
  }

  private async batchInChunks(statements: readonly WriteStatement[]): Promise<void> {
    const size = this.options.batchStatementsMax;
    for (let start = 0; start < statements.length; start += size) {
      await this.options.store.batch(statements.slice(start, start + size));
    }
  }

  /** Records a decision unless one exists; returns the decision that stands. */
  private async decide(
    commitKey: bigint,
    status: 'committed' | 'aborted',
  ): Promise<'committed' | 'aborted'> {
    const outcome = await this.options.store.insertIfNotExists(LEDGER_TABLES.commits, {
      commit_id: commitKey,
      status,
      decided_at_ms: BigInt(this.options.clock.nowMs()),
    });
    const standing = outcome.applied ? status : statusOfRow(outcome.current);
    this.remember(commitKey, standing);
    return standing;
  }

  private ageMs(commitKey: bigint): number {
    return this.options.clock.nowMs() - parseSnowflake(commitKey).timestampMs;
  }

  /**
   * Decisions for the commits named by `rows`. With `abortStale`, an undecided commit older than
   * the lease is aborted here (its process is presumed dead) so writers can proceed.
   */
  private async statusesOf(
    rows: readonly Row[],
    abortStale: boolean,
  ): Promise<Map<bigint, CommitStatus>> {
    const statuses = new Map<bigint, CommitStatus>();
    const unknown: bigint[] = [];
    for (const row of rows) {
      const commitKey = bigintOf(row, 'commit_id');
      const known = commitKey === GENESIS_COMMIT_ID ? 'committed' : this.decided.get(commitKey);
      if (known) {
        statuses.set(commitKey, known);
      } else if (!statuses.has(commitKey)) {
        statuses.set(commitKey, 'undecided');
        unknown.push(commitKey);
      }
    }
    const decisions = await this.getMany(
      LEDGER_TABLES.commits,
      unknown.map((commitKey) => ({ commit_id: commitKey })),
    );
    for (const decision of decisions) {
      const commitKey = bigintOf(decision, 'commit_id');
      const status = statusOfRow(decision);
      statuses.set(commitKey, status);
      this.remember(commitKey, status);
    }
    if (abortStale) {
      for (const [commitKey, status] of statuses) {
        if (status === 'undecided' && this.ageMs(commitKey) > this.options.commitLeaseMs) {
          statuses.set(commitKey, await this.decide(commitKey, 'aborted'));
        }
      }
    }
    return statuses;
  }

  private remember(commitKey: bigint, status: 'committed' | 'aborted'): void {
    if (this.decided.size >= this.options.commitStatusCacheMax) {
      // Maps iterate in insertion order: drop the oldest decision.
      const oldest = this.decided.keys().next();
      if (oldest.done !== true) {
        this.decided.delete(oldest.value);
      }
    }
    this.decided.set(commitKey, status);
  }

  private async getMany(table: string, keys: readonly Row[]): Promise<Row[]> {
    const rows: Row[] = [];
    const size = this.options.getManyKeysMax;
    for (let start = 0; start < keys.length; start += size) {
      rows.push(...(await this.options.store.getMany(table, keys.slice(start, start + size))));
    }
    return rows;
  }

  private getAccountRow(id: string): Promise<Row | undefined> {
    return this.options.store.get(LEDGER_TABLES.accounts, { id: idKey(id) });
  }
}

function statusOfRow(row: Row | undefined): 'committed' | 'aborted' {
  const status = row?.['status'];
  assertInvariant(
    status === 'committed' || status === 'aborted',
    'commit decision row is malformed',
  );
  return status;
}
