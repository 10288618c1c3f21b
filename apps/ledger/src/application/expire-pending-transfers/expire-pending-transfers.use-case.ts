import type { Clock } from '@corebank/platform-clock';

import type { ExpirePendingResult } from '../../domain/transfer-result';
import type { LedgerRepository } from '../../ports/ledger-repository.port';
import type { LedgerGroupCommitter } from '../commit-ledger-requests/ledger-group-committer';

export interface ExpirySweepSummary {
  readonly due: number;
  readonly expired: number;
}

/**
 * Voids pending transfers whose timeout has passed. Safe to run in several processes at once:
 * expiries go through the same commit path as transfers, so each hold resolves at most once
 * (the loser sees `already_resolved`), and entries are forgotten only once resolved.
 */
export class ExpirePendingTransfersUseCase {
  constructor(
    private readonly repository: LedgerRepository,
    private readonly committer: LedgerGroupCommitter,
    private readonly clock: Clock,
  ) {}

  /** One bounded sweep of at most `limit` due holds. Throws the committer's and store's errors. */
  async execute(limit: number): Promise<ExpirySweepSummary> {
    const due = await this.repository.dueExpiries(this.clock.nowMs(), limit);
    if (due.length === 0) {
      return { due: 0, expired: 0 };
    }
    const outcome = await this.committer.submit({
      kind: 'expire_pending',
      pendingIds: due.map((entry) => entry.pendingId),
    });
    if (outcome.kind !== 'expire_pending') {
      throw new Error('the committer answered an expiry request with another kind');
    }
    const results: readonly ExpirePendingResult[] = outcome.results;
    // Due entries belong to committed holds, so every result but `not_due` (a clock step back)
    // means the hold is resolved or gone.
    const resolved = due.filter((_, index) => results[index] !== 'not_due');
    await this.repository.forgetExpiries(resolved);
    return { due: due.length, expired: results.filter((result) => result === 'ok').length };
  }
}
