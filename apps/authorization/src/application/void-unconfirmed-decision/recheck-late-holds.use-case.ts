import type { Clock } from '@corebank/platform-clock';
import type { DistributedLocks } from '@corebank/platform-locks';

import type { AuthorizationStore } from '../../ports/authorization-store.port';
import type { LedgerHolds } from '../../ports/ledger-holds.port';
import type { AuthorizationSettings } from '../authorization-settings';
import { deriveLedgerId } from '../ledger-transfer-ids';

export interface RecheckLateHoldsDependencies {
  readonly store: AuthorizationStore;
  readonly ledger: LedgerHolds;
  readonly locks: DistributedLocks;
  readonly clock: Clock;
  readonly settings: AuthorizationSettings;
  /** Rechecks handled per shard per run, so one run always ends. */
  readonly batchSizeMax: number;
}

export interface RecheckLateHoldsReport {
  readonly checked: number;
  readonly released: number;
}

/**
 * The durable second look of VoidUnconfirmedDecision (issue 4, "late holds"): a TXn_ID the
 * gateway answered 91/96 before we ever recorded it has a recheck row; once due, the hold a call
 * already in flight may have placed after the first lookup is voided if it is still pending, the
 * record gets `hold_released`, and the row is deleted. The row is written in the same batch as
 * the voided record, so a crash loses nothing; a recheck that fails stays for the next run.
 *
 * Errors: `timeout.lock_wait`, `unavailable.*` (retryable) from `run`.
 */
export class RecheckLateHoldsUseCase {
  constructor(private readonly dependencies: RecheckLateHoldsDependencies) {}

  async run(): Promise<RecheckLateHoldsReport> {
    const { store, clock, settings, batchSizeMax } = this.dependencies;
    let checked = 0;
    let released = 0;
    for (let shard = 0; shard < settings.outboxShardCount; shard += 1) {
      const due = await store.listDueHoldRechecks(shard, clock.nowMs(), batchSizeMax);
      for (const recheck of due) {
        if (await this.recheck(recheck.txnId)) {
          released += 1;
        }
        await store.deleteHoldRecheck(recheck);
        checked += 1;
      }
    }
    return { checked, released };
  }

  private recheck(txnId: string): Promise<boolean> {
    const { locks, settings } = this.dependencies;
    // The TXn_ID lock: a ProcessCardMessage or VoidUnconfirmedDecision of it does not interleave.
    return locks.withLock(
      `authorization/txn/${txnId}`,
      { ttlMs: settings.lockTtlMs, waitTimeoutMs: settings.lockWaitMs },
      async () => {
        const { store, ledger } = this.dependencies;
        const released = await ledger.voidHoldIfPending(
          deriveLedgerId(`txn:${txnId}:hold`),
          `txn:${txnId}:void_unconfirmed`,
        );
        const record = await store.getProcessed(txnId);
        if (
          released &&
          record !== undefined &&
          record.decision === 'voided' &&
          !record.flags.includes('hold_released')
        ) {
          await store.commit({
            processed: { ...record, flags: [...record.flags, 'hold_released', 'late_hold'] },
            outbox: [],
          });
        }
        return released;
      },
    );
  }
}

/**
 * Runs the rechecks every `intervalMs` until stopped, one run at a time; a failed run is logged
 * by `onError` and its rows stay for the next tick.
 */
export class RecheckLateHoldsLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly useCase: RecheckLateHoldsUseCase,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.useCase
        .run()
        .then(() => undefined)
        .catch(this.onError)
        .finally(() => {
          this.running = undefined;
        });
    }, this.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    await this.running;
  }
}
