import type { Store, WriteStatement } from '@corebank/platform-storage';

import type { Card } from '../domain/card';
import type { Lifecycle } from '../domain/lifecycle';
import type { ProcessedMessage } from '../domain/processed-message';
import type {
  AuthorizationStore,
  CustomerAccount,
  HoldRecheck,
  MessageCommit,
  OutboxEntry,
} from '../ports/authorization-store.port';
import { TABLES } from './authorization-tables';
import { BoundedCache } from './bounded-cache';
import {
  accountFromJson,
  accountToJson,
  cardFromJson,
  cardToJson,
  envelopeFromJson,
  envelopeToJson,
  lifecycleFromJson,
  lifecycleToJson,
  processedFromJson,
  processedToJson,
} from './authorization-row-mapping';

const DEFAULT_RETENTION_SECONDS = 90 * 86_400;
const DEFAULT_CACHE_ENTRIES_MAX = 100_000;

export interface StoreAuthorizationStoreOptions {
  /**
   * How long a card read is answered from memory. Writes through this adapter update the cache
   * at once; another replica's card change is seen after at most this long. 0: no card cache.
   */
  readonly cardCacheTtlMs?: number;
  /** Cards and accounts kept in memory each (oldest dropped first). */
  readonly cacheEntriesMax?: number;
  /** Told which outbox shards a commit wrote, after the commit (wakes the relay). */
  readonly onOutboxWritten?: (shards: readonly number[]) => void;
  readonly nowMs?: () => number;
}

/**
 * AuthorizationStore on the platform Store port (SQLite embedded, Cassandra distributed).
 *
 * Caches (the decide path reads the card and its account on every message): accounts never
 * change once written, so they are kept until evicted; cards change only through this service,
 * and every change goes through `insertCard`/`updateCard` here, which write the cache through, so
 * one replica always sees its own changes. Other replicas see a change after at most
 * `cardCacheTtlMs` (set 0 to read every time).
 */
export class StoreAuthorizationStore implements AuthorizationStore {
  private readonly cards: BoundedCache<Card>;
  private readonly accounts: BoundedCache<CustomerAccount>;
  /**
   * Bumped before and after every card write: a read that overlapped a write does not fill the
   * cache (its answer may predate the write, and a store may answer out of order).
   */
  private cardWriteGeneration = 0;

  /**
   * @param retentionSeconds how long processed-message records, lifecycles and their index rows
   *   are kept: at least the processor's re-send window (up to 7 days); CARD-PROCESSOR §6.1 says 90.
   */
  constructor(
    private readonly store: Store,
    private readonly retentionSeconds: number = DEFAULT_RETENTION_SECONDS,
    private readonly options: StoreAuthorizationStoreOptions = {},
  ) {
    const nowMs = options.nowMs ?? (() => performance.now());
    const entriesMax = options.cacheEntriesMax ?? DEFAULT_CACHE_ENTRIES_MAX;
    this.cards = new BoundedCache(entriesMax, options.cardCacheTtlMs ?? 0, nowMs);
    this.accounts = new BoundedCache(entriesMax, Number.POSITIVE_INFINITY, nowMs);
  }

  async getCard(token: string): Promise<Card | undefined> {
    const cached = this.cards.get(token);
    if (cached !== undefined) {
      return cached;
    }
    const generation = this.cardWriteGeneration;
    const row = await this.store.get(TABLES.cards, { token });
    if (row === undefined) {
      return undefined;
    }
    const card = cardFromJson(row['card']);
    if (generation === this.cardWriteGeneration) {
      this.cards.set(token, card);
    }
    return card;
  }

  async insertCard(card: Card): Promise<boolean> {
    this.cardWriteGeneration += 1;
    const result = await this.store.insertIfNotExists(TABLES.cards, {
      token: card.token,
      card: cardToJson(card),
    });
    this.cardWriteGeneration += 1;
    if (result.applied) {
      this.cards.set(card.token, card);
      await this.store.upsert(TABLES.cardsByAccount, {
        account_id: card.accountId,
        token: card.token,
      });
    }
    return result.applied;
  }

  async updateCard(card: Card): Promise<void> {
    // Forget first: if the write fails, the next read goes to the store, never to a stale copy.
    this.cards.delete(card.token);
    this.cardWriteGeneration += 1;
    try {
      await this.store.upsert(TABLES.cards, { token: card.token, card: cardToJson(card) });
    } finally {
      this.cardWriteGeneration += 1;
    }
    this.cards.set(card.token, card);
  }

  async listCards(accountId: string, limit: number): Promise<readonly Card[]> {
    const page = await this.store.query({
      table: TABLES.cardsByAccount,
      partition: { account_id: accountId },
      limit,
    });
    const tokens = page.rows.map((row) => ({ token: row['token'] ?? '' }));
    const rows = tokens.length === 0 ? [] : await this.store.getMany(TABLES.cards, tokens);
    return rows
      .map((row) => cardFromJson(row['card']))
      .sort((left, right) => left.token.localeCompare(right.token));
  }

  async getAccount(accountId: string): Promise<CustomerAccount | undefined> {
    const cached = this.accounts.get(accountId);
    if (cached !== undefined) {
      return cached;
    }
    const row = await this.store.get(TABLES.accounts, { account_id: accountId });
    if (row === undefined) {
      return undefined;
    }
    const account = accountFromJson(row['account']);
    this.accounts.set(accountId, account);
    return account;
  }

  async insertAccount(account: CustomerAccount): Promise<void> {
    await this.store.insertIfNotExists(TABLES.accounts, {
      account_id: account.accountId,
      account: accountToJson(account),
    });
  }

  async claimRequest(idempotencyKey: string, resultId: string): Promise<string> {
    const result = await this.store.insertIfNotExists(TABLES.requests, {
      idempotency_key: idempotencyKey,
      result_id: resultId,
    });
    if (result.applied) {
      return resultId;
    }
    const current = result.current?.['result_id'];
    return typeof current === 'string' ? current : resultId;
  }

  async getProcessed(txnId: string): Promise<ProcessedMessage | undefined> {
    const row = await this.store.get(TABLES.processed, { txn_id: txnId });
    return row === undefined ? undefined : processedFromJson(row['record']);
  }

  async findLifecycle(token: string, keys: readonly string[]): Promise<Lifecycle | undefined> {
    for (const key of keys) {
      const index = await this.store.get(TABLES.lifecycleIndex, { token, match_key: key });
      const lifecycleId = index?.['lifecycle_id'];
      if (typeof lifecycleId === 'string' && lifecycleId !== '') {
        const row = await this.store.get(TABLES.lifecycles, { lifecycle_id: lifecycleId });
        if (row !== undefined) {
          return lifecycleFromJson(row['lifecycle']);
        }
      }
    }
    return undefined;
  }

  async findProcessedByKey(token: string, key: string): Promise<ProcessedMessage | undefined> {
    const index = await this.store.get(TABLES.lifecycleIndex, { token, match_key: key });
    const txnId = index?.['txn_id'];
    return typeof txnId === 'string' && txnId !== '' ? this.getProcessed(txnId) : undefined;
  }

  async spentToday(token: string, day: string): Promise<bigint> {
    const row = await this.store.get(TABLES.dailySpend, { token, day });
    const spent = row?.['spent_minor'];
    return typeof spent === 'bigint' ? spent : 0n;
  }

  async commit(commit: MessageCommit): Promise<void> {
    const statements: WriteStatement[] = [];
    const { processed, lifecycle } = commit;
    if (lifecycle !== undefined) {
      statements.push({
        kind: 'upsert',
        table: TABLES.lifecycles,
        row: { lifecycle_id: lifecycle.id, lifecycle: lifecycleToJson(lifecycle) },
        ttlSeconds: this.retentionSeconds,
      });
      for (const key of commit.lifecycleKeys ?? []) {
        statements.push({
          kind: 'upsert',
          table: TABLES.lifecycleIndex,
          row: { token: lifecycle.token, match_key: key, lifecycle_id: lifecycle.id, txn_id: '' },
          ttlSeconds: this.retentionSeconds,
        });
      }
    }
    for (const key of commit.messageKeys ?? []) {
      statements.push({
        kind: 'upsert',
        table: TABLES.lifecycleIndex,
        row: {
          token: processed.token,
          match_key: key,
          lifecycle_id: processed.lifecycleId,
          txn_id: processed.txnId,
        },
        ttlSeconds: this.retentionSeconds,
      });
    }
    if (commit.dailySpend !== undefined) {
      statements.push({
        kind: 'upsert',
        table: TABLES.dailySpend,
        row: {
          token: commit.dailySpend.token,
          day: commit.dailySpend.day,
          spent_minor: commit.dailySpend.spentMinor,
        },
        // A day's counter is useless after the day; two days covers any clock skew.
        ttlSeconds: 2 * 86_400,
      });
    }
    for (const entry of commit.outbox) {
      statements.push({
        kind: 'upsert',
        table: TABLES.outbox,
        row: {
          shard: entry.shard,
          entry_id: entry.entryId,
          topic: entry.topic,
          envelope: envelopeToJson(entry.envelope),
        },
      });
    }
    if (commit.quarantine !== undefined) {
      statements.push({
        kind: 'upsert',
        table: TABLES.quarantine,
        row: {
          txn_key: processed.txnId,
          reason: commit.quarantine.reason,
          payload: commit.quarantine.payload,
          quarantined_at: new Date(processed.createdAtMs),
        },
      });
    }
    if (commit.holdRecheck !== undefined) {
      statements.push({
        kind: 'upsert',
        table: TABLES.holdRechecks,
        row: {
          shard: commit.holdRecheck.shard,
          due_at_ms: BigInt(commit.holdRecheck.dueAtMs),
          txn_id: commit.holdRecheck.txnId,
        },
        ttlSeconds: this.retentionSeconds,
      });
    }
    // The processed record goes last in the batch only for readability: a logged batch applies
    // all statements or none.
    statements.push({
      kind: 'upsert',
      table: TABLES.processed,
      row: { txn_id: processed.txnId, record: processedToJson(processed) },
      ttlSeconds: this.retentionSeconds,
    });
    await this.store.batch(statements);
    if (commit.outbox.length > 0) {
      this.options.onOutboxWritten?.(commit.outbox.map((entry) => entry.shard));
    }
  }

  async listDueHoldRechecks(
    shard: number,
    nowMs: number,
    limit: number,
  ): Promise<readonly HoldRecheck[]> {
    const page = await this.store.query({
      table: TABLES.holdRechecks,
      partition: { shard },
      range: { lte: BigInt(nowMs) },
      limit,
    });
    return page.rows.map((row) => ({
      shard,
      dueAtMs: Number(row['due_at_ms']),
      txnId: typeof row['txn_id'] === 'string' ? row['txn_id'] : '',
    }));
  }

  async deleteHoldRecheck(recheck: HoldRecheck): Promise<void> {
    await this.store.batch([
      {
        kind: 'delete',
        table: TABLES.holdRechecks,
        key: { shard: recheck.shard, due_at_ms: BigInt(recheck.dueAtMs), txn_id: recheck.txnId },
      },
    ]);
  }

  async listOutbox(shard: number, limit: number): Promise<readonly OutboxEntry[]> {
    const page = await this.store.query({ table: TABLES.outbox, partition: { shard }, limit });
    return page.rows.map((row): OutboxEntry => ({
      shard,
      entryId: typeof row['entry_id'] === 'bigint' ? row['entry_id'] : 0n,
      topic: typeof row['topic'] === 'string' ? row['topic'] : '',
      envelope: envelopeFromJson(row['envelope']),
    }));
  }

  async deleteOutbox(entries: readonly OutboxEntry[]): Promise<void> {
    if (entries.length === 0) {
      return;
    }
    await this.store.batch(
      entries.map((entry) => ({
        kind: 'delete' as const,
        table: TABLES.outbox,
        key: { shard: entry.shard, entry_id: entry.entryId },
      })),
    );
  }

  async ping(): Promise<void> {
    await this.store.ping();
  }
}
