import type { EventEnvelope } from '@corebank/platform-event-bus';
import type { JsonValue } from '@corebank/platform-storage';

import type { Card } from '../domain/card';
import type { Lifecycle } from '../domain/lifecycle';
import type { ProcessedMessage } from '../domain/processed-message';
import type { CustomerLedgerAccounts } from './ledger-holds.port';

export interface CustomerAccount extends CustomerLedgerAccounts {
  readonly customerReference: string;
  readonly openedAtMs: number;
}

/** An event waiting in the transactional outbox. */
export interface OutboxEntry {
  readonly shard: number;
  readonly entryId: bigint;
  readonly topic: string;
  readonly envelope: EventEnvelope<JsonValue>;
}

/** Everything one processor message changes, written all-or-nothing (a logged batch). */
export interface MessageCommit {
  readonly processed: ProcessedMessage;
  readonly lifecycle?: Lifecycle;
  /** Match keys (§6.2) that now point at `lifecycle`. */
  readonly lifecycleKeys?: readonly string[];
  /** Keys (e.g. RRN + DE07 for 0101 repeats) that point at this message's record. */
  readonly messageKeys?: readonly string[];
  readonly dailySpend?: {
    readonly token: string;
    readonly day: string;
    readonly spentMinor: bigint;
  };
  readonly outbox: readonly OutboxEntry[];
  /** Raw payload kept when a notification could not be used (§8 class 2). */
  readonly quarantine?: { readonly reason: string; readonly payload: string };
  /** Look for a late ledger hold of this TXn_ID again once due (VoidUnconfirmedDecision). */
  readonly holdRecheck?: HoldRecheck;
}

/** A TXn_ID voided before we saw it: its hold may still land from a call already in flight. */
export interface HoldRecheck {
  readonly shard: number;
  readonly dueAtMs: number;
  readonly txnId: string;
}

/**
 * The authorization service's own data. Callers serialise writes per card and per TXn_ID (locks),
 * so plain batches are safe; conditional writes guard the idempotency keys of management calls.
 *
 * Errors: PlatformError `unavailable.store` / `timeout.store` (retryable).
 */
export interface AuthorizationStore {
  getCard(token: string): Promise<Card | undefined>;
  /** false when the token is already taken. */
  insertCard(card: Card): Promise<boolean>;
  updateCard(card: Card): Promise<void>;
  listCards(accountId: string, limit: number): Promise<readonly Card[]>;

  getAccount(accountId: string): Promise<CustomerAccount | undefined>;
  insertAccount(account: CustomerAccount): Promise<void>;
  /** Remembers the result of a management call; returns the earlier result if the key was used. */
  claimRequest(idempotencyKey: string, resultId: string): Promise<string>;

  getProcessed(txnId: string): Promise<ProcessedMessage | undefined>;
  /** The lifecycle one of `keys` (tried in order) points at, for this token. */
  findLifecycle(token: string, keys: readonly string[]): Promise<Lifecycle | undefined>;
  findProcessedByKey(token: string, key: string): Promise<ProcessedMessage | undefined>;
  spentToday(token: string, day: string): Promise<bigint>;
  commit(commit: MessageCommit): Promise<void>;

  /** Rechecks of `shard` due at or before `nowMs`, oldest first. */
  listDueHoldRechecks(shard: number, nowMs: number, limit: number): Promise<readonly HoldRecheck[]>;
  deleteHoldRecheck(recheck: HoldRecheck): Promise<void>;

  listOutbox(shard: number, limit: number): Promise<readonly OutboxEntry[]>;
  deleteOutbox(entries: readonly OutboxEntry[]): Promise<void>;
  ping(): Promise<void>;
}

export const AUTHORIZATION_STORE = Symbol('AUTHORIZATION_STORE');
