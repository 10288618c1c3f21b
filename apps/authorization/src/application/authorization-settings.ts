/** Bounds and budgets the authorization use cases run with (from config.ts). */
export interface AuthorizationSettings {
  /** Outbox shards; one account's events always use the same shard. */
  readonly outboxShardCount: number;
  /** Longest wait for the per-TXn_ID or per-card lock. */
  readonly lockWaitMs: number;
  readonly lockTtlMs: number;
  /** Time a decide message needs left before we start (or commit) its work. */
  readonly deadlineReserveMs: number;
}
