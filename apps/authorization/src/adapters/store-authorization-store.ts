import type { Store, WriteStatement } from '@corebank/platform-storage';

import type { Card } from '../domain/card';
import type { Lifecycle } from '../domain/lifecycle';
import type { ProcessedMessage } from '../domain/processed-message';
import type {
  AuthorizationStore,
  CustomerAccount,
  MessageCommit,
  OutboxEntry,
} from '../ports/authorization-store.port';
import { TABLES } from './authorization-tables';
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

/** AuthorizationStore on the platform Store port (SQLite embedded, Cassandra distributed). */
export class StoreAuthorizationStore implements AuthorizationStore {
  /**
   * @param retentionSeconds how long processed-message records, lifecycles and their index rows
   *   are kept: at least the processor's re-send window (up to 7 days); CARD-PROCESSOR §6.1 says 90.
   */
  constructor(
    private readonly store: Store,
    private readonly retentionSeconds: number = DEFAULT_RETENTION_SECONDS,
  ) {}

  async getCard(token: string): Promise<Card | undefined> {
    const row = await this.store.get(TABLES.cards, { token });
    return row === undefined ? undefined : cardFromJson(row['card']);
  }

  async insertCard(card: Card): Promise<boolean> {
    const result = await this.store.insertIfNotExists(TABLES.cards, {
      token: card.token,
      card: cardToJson(card),
    });
    if (result.applied) {
      await this.store.upsert(TABLES.cardsByAccount, {
        account_id: card.accountId,
        token: card.token,
      });
    }
    return result.applied;
  }

  async updateCard(card: Card): Promise<void> {
    await this.store.upsert(TABLES.cards, { token: card.token, card: cardToJson(card) });
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
    const row = await this.store.get(TABLES.accounts, { account_id: accountId });
    return row === undefined ? undefined : accountFromJson(row['account']);
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
    // The processed record goes last in the batch only for readability: a logged batch applies
    // all statements or none.
    statements.push({
      kind: 'upsert',
      table: TABLES.processed,
      row: { txn_id: processed.txnId, record: processedToJson(processed) },
      ttlSeconds: this.retentionSeconds,
    });
    await this.store.batch(statements);
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
