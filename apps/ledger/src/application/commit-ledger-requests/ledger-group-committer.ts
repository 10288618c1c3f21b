import type { Clock } from '@corebank/platform-clock';
import { PlatformError } from '@corebank/platform-errors';
import type { IdGenerator } from '@corebank/platform-ids';

import {
  applyLedgerRequests,
  type LedgerRequest,
  type LedgerRequestOutcome,
  referencedAccountIds,
  referencedTransferIds,
} from '../../domain/apply-ledger-requests';
import { LedgerInvariantViolation } from '../../domain/ledger-invariant';
import type { CommitOutcome, LedgerRepository } from '../../ports/ledger-repository.port';

export interface GroupCommitOptions {
  /**
   * How long the first request waits for company when the committer is busy (a group ended
   * less than `windowMs` ago). An idle committer commits at once: grouping pays only under load.
   */
  readonly windowMs: number;
  /** Transfers (and expiries) per group; a single request larger than this forms its own group. */
  readonly groupItemsMax: number;
  /** Items waiting in the queue before new requests are refused (`exhausted.ledger_queue_full`). */
  readonly queueItemsMax: number;
  /** Attempts per group before its requests fail (`conflict.ledger_contention`, retryable). */
  readonly attemptsMax: number;
  /** Ceiling of the jittered wait between attempts. */
  readonly backoffMaxMs: number;
}

interface QueuedRequest {
  readonly request: LedgerRequest;
  /** Epoch ms after which the caller no longer waits; undefined for no deadline. */
  readonly deadlineMs: number | undefined;
  readonly itemCount: number;
  readonly resolve: (outcome: LedgerRequestOutcome) => void;
  readonly reject: (error: unknown) => void;
}

function itemCountOf(request: LedgerRequest): number {
  return request.kind === 'create_transfers' ? request.transfers.length : request.pendingIds.length;
}

/**
 * Group commit: requests that arrive while a group is being committed (or within `windowMs` of
 * an idle committer's first request) are applied and persisted together, as one commit. One
 * group is in flight per process, so the cost of a commit (one compare-and-set per account, a few
 * batches, one decision) is shared by more transfers as load grows. Requests keep their order and
 * their own linked chains; results are exactly those of applying them one after the other.
 */
export class LedgerGroupCommitter {
  private readonly queue: QueuedRequest[] = [];
  private queuedItems = 0;
  private draining = false;
  private windowTimer: NodeJS.Timeout | undefined;
  private immediateStart: NodeJS.Immediate | undefined;
  private lastGroupEndedMs = Number.NEGATIVE_INFINITY;
  private closed = false;

  constructor(
    private readonly repository: LedgerRepository,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    private readonly options: GroupCommitOptions,
  ) {}

  /**
   * @throws PlatformError `exhausted.ledger_queue_full` (retryable) when the queue is full,
   *   `conflict.ledger_contention` (retryable) when the group could not commit within its
   *   attempts, `timeout.ledger_deadline_passed` (retryable) when `deadlineMs` passed before the
   *   request's group started (nothing was written), `unavailable.ledger_closed` after close(),
   *   or the store's errors.
   */
  submit(request: LedgerRequest, deadlineMs?: number): Promise<LedgerRequestOutcome> {
    if (this.closed) {
      return Promise.reject(
        new PlatformError('unavailable.ledger_closed', 'the ledger is shutting down', {
          retryable: true,
        }),
      );
    }
    const itemCount = itemCountOf(request);
    if (this.queuedItems > 0 && this.queuedItems + itemCount > this.options.queueItemsMax) {
      return Promise.reject(
        new PlatformError('exhausted.ledger_queue_full', 'the ledger commit queue is full', {
          retryable: true,
          params: { queuedItems: this.queuedItems },
        }),
      );
    }
    return new Promise<LedgerRequestOutcome>((resolve, reject) => {
      this.queue.push({ request, deadlineMs, itemCount, resolve, reject });
      this.queuedItems += itemCount;
      this.schedule();
    });
  }

  /** Refuses new requests and waits for queued ones to finish. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.draining || this.queue.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private schedule(): void {
    if (this.draining || this.windowTimer !== undefined || this.immediateStart !== undefined) {
      return;
    }
    if (this.queuedItems >= this.options.groupItemsMax || this.options.windowMs === 0) {
      void this.drain();
      return;
    }
    if (this.clock.nowMs() - this.lastGroupEndedMs >= this.options.windowMs) {
      // Idle: no window. setImmediate still lets requests read in the same I/O turn join.
      this.immediateStart = setImmediate(() => {
        this.immediateStart = undefined;
        void this.drain();
      });
      return;
    }
    this.windowTimer = setTimeout(() => {
      this.windowTimer = undefined;
      void this.drain();
    }, this.options.windowMs);
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const group = this.withoutLateRequests(this.takeGroup());
        if (group.length === 0) {
          continue;
        }
        try {
          const outcomes = await this.commitGroup(group.map((queued) => queued.request));
          group.forEach((queued, index) => queued.resolve(outcomes[index]));
        } catch (error) {
          group.forEach((queued) => queued.reject(error));
          if (error instanceof LedgerInvariantViolation) {
            // A broken invariant is a bug: crash (after answering) rather than keep writing.
            process.nextTick(() => {
              throw error;
            });
            return;
          }
        }
      }
    } finally {
      this.draining = false;
      this.lastGroupEndedMs = this.clock.nowMs();
    }
  }

  /** A caller that stopped waiting must not find its transfers committed later: drop it first. */
  private withoutLateRequests(group: readonly QueuedRequest[]): QueuedRequest[] {
    const nowMs = this.clock.nowMs();
    return group.filter((queued) => {
      if (queued.deadlineMs === undefined || nowMs < queued.deadlineMs) {
        return true;
      }
      queued.reject(
        new PlatformError(
          'timeout.ledger_deadline_passed',
          'the deadline passed before the commit',
          {
            retryable: true,
          },
        ),
      );
      return false;
    });
  }

  private takeGroup(): QueuedRequest[] {
    const group: QueuedRequest[] = [];
    let items = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0];
      if (group.length > 0 && items + next.itemCount > this.options.groupItemsMax) {
        break;
      }
      group.push(next);
      items += next.itemCount;
      this.queue.shift();
    }
    this.queuedItems -= items;
    return group;
  }

  private async commitGroup(
    requests: readonly LedgerRequest[],
  ): Promise<readonly LedgerRequestOutcome[]> {
    for (let attempt = 1; attempt <= this.options.attemptsMax; attempt += 1) {
      if (attempt > 1) {
        await this.backoff(attempt);
      }
      const transfers = await this.repository.loadTransfersForWrite(
        referencedTransferIds(requests),
      );
      if (transfers.kind === 'held') {
        continue;
      }
      const accounts = await this.repository.loadAccountsForWrite(
        referencedAccountIds(requests, transfers.values),
      );
      if (accounts.kind === 'held') {
        continue;
      }
      const pendingIds = [...transfers.values.values()]
        .filter((transfer) => transfer.flags.pending)
        .map((transfer) => transfer.id);
      const resolutions = await this.repository.loadResolutions(pendingIds);
      const result = applyLedgerRequests(
        { accounts: accounts.values, transfers: transfers.values, resolutions },
        requests,
        this.clock.nowMs(),
      );
      const { changes } = result;
      if (
        changes.accounts.length === 0 &&
        changes.transfers.length === 0 &&
        changes.resolutions.length === 0
      ) {
        return result.outcomes;
      }
      const commitId = this.ids.nextId();
      let outcome: CommitOutcome;
      try {
        outcome = await this.repository.commit(commitId, accounts.values, changes);
      } catch (error) {
        // Release the accounts now rather than after the lease; if the decision did land, the
        // caller's retry finds its transfers as `exists`.
        await this.repository.abandon(commitId).catch(() => undefined);
        throw error;
      }
      if (outcome === 'committed') {
        return result.outcomes;
      }
    }
    throw new PlatformError(
      'conflict.ledger_contention',
      'accounts stayed busy; retry the request',
      {
        retryable: true,
        params: { attempts: this.options.attemptsMax },
      },
    );
  }

  private backoff(attempt: number): Promise<void> {
    const ceilingMs = Math.min(this.options.backoffMaxMs, 2 ** Math.min(attempt, 10));
    // Jitter keeps two processes that collided from colliding again in lockstep.
    const delayMs = 1 + Math.random() * ceilingMs;
    return new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}
