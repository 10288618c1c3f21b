import type { Clock } from '@corebank/platform-clock';
import type { IdGenerator } from '@corebank/platform-ids';
import type { DistributedLocks } from '@corebank/platform-locks';

import { releaseFromHolds, type LedgerOperation } from '../../domain/lifecycle';
import type { ProcessedMessage } from '../../domain/processed-message';
import type { AuthorizationStore } from '../../ports/authorization-store.port';
import type { LedgerHolds } from '../../ports/ledger-holds.port';
import type { AuthorizationSettings } from '../authorization-settings';
import { shardOf, transactionEvent } from '../card-events';
import { deriveLedgerId } from '../ledger-transfer-ids';

export interface VoidUnconfirmedDecisionCommand {
  readonly txnId: string;
  /** What the gateway answered the processor ("91" or "96"). */
  readonly answeredResponseCode: string;
  readonly reason: string;
}

export interface VoidUnconfirmedDecisionResult {
  /** A hold existed for the TXn_ID and is released (now or by an earlier call). */
  readonly holdReleased: boolean;
}

export interface VoidUnconfirmedDecisionDependencies {
  readonly store: AuthorizationStore;
  readonly ledger: LedgerHolds;
  readonly locks: DistributedLocks;
  readonly ids: IdGenerator;
  readonly clock: Clock;
  readonly settings: AuthorizationSettings;
  /**
   * A TXn_ID voided before we saw it is looked up in the ledger again this long after, since a
   * hold from a call already in flight may land after the first lookup (RecheckLateHoldsUseCase).
   */
  readonly lateHoldRecheckDelayMs: number;
}

/**
 * The gateway told the processor "declined" because our answer was late or failed (ARCHITECTURE
 * §5): whatever a late commit holds for the TXn_ID is released, and the record says `voided`
 * with the code the processor heard. A TXn_ID never seen is recorded as voided, so a late
 * ProcessCardMessage replays the decline instead of holding money. Idempotent.
 *
 * Errors: `timeout.lock_wait`, `unavailable.*` (retryable): the gateway retries.
 */
export class VoidUnconfirmedDecisionUseCase {
  constructor(private readonly dependencies: VoidUnconfirmedDecisionDependencies) {}

  async execute(command: VoidUnconfirmedDecisionCommand): Promise<VoidUnconfirmedDecisionResult> {
    const { locks, settings } = this.dependencies;
    return locks.withLock(
      `authorization/txn/${command.txnId}`,
      { ttlMs: settings.lockTtlMs, waitTimeoutMs: settings.lockWaitMs },
      () => this.underTxnLock(command),
    );
  }

  private async underTxnLock(
    command: VoidUnconfirmedDecisionCommand,
  ): Promise<VoidUnconfirmedDecisionResult> {
    const { store, locks, settings } = this.dependencies;
    const existing = await store.getProcessed(command.txnId);
    if (existing === undefined) {
      // Recorded first, so a ProcessCardMessage arriving later replays the decline. Then, in case
      // a timed-out call of ours did reach the ledger, release the hold it would have placed; the
      // recheck row (same batch) looks again later for a hold that lands after this lookup.
      const { clock } = this.dependencies;
      await store.commit({
        processed: this.neverSeenRecord(command),
        outbox: [],
        holdRecheck: {
          shard: shardOf(command.txnId, settings.outboxShardCount),
          dueAtMs: clock.nowMs() + this.dependencies.lateHoldRecheckDelayMs,
          txnId: command.txnId,
        },
      });
      const holdReleased = await this.dependencies.ledger.voidHoldIfPending(
        deriveLedgerId(`txn:${command.txnId}:hold`),
        `txn:${command.txnId}:void_unconfirmed`,
      );
      if (holdReleased) {
        await store.commit({
          processed: {
            ...this.neverSeenRecord(command),
            flags: ['voided_before_seen', 'hold_released'],
          },
          outbox: [],
        });
      }
      return { holdReleased };
    }
    if (existing.decision === 'voided') {
      return { holdReleased: existing.flags.includes('hold_released') };
    }
    if (existing.decision !== 'approved' || existing.heldMinor === 0n) {
      await store.commit({
        processed: { ...existing, decision: 'voided', responseCode: command.answeredResponseCode },
        outbox: [],
      });
      return { holdReleased: false };
    }
    return locks.withLock(
      `authorization/card/${existing.token}`,
      { ttlMs: settings.lockTtlMs, waitTimeoutMs: settings.lockWaitMs },
      () => this.releaseHold(existing, command),
    );
  }

  private async releaseHold(
    existing: ProcessedMessage,
    command: VoidUnconfirmedDecisionCommand,
  ): Promise<VoidUnconfirmedDecisionResult> {
    const { store, ledger, ids, clock, settings } = this.dependencies;
    const card = await store.getCard(existing.token);
    const account = card === undefined ? undefined : await store.getAccount(card.accountId);
    const lifecycle = await store.findLifecycle(existing.token, [`txn:${existing.txnId}`]);
    if (account === undefined || lifecycle === undefined) {
      return { holdReleased: false };
    }
    const change = releaseFromHolds(
      lifecycle.holds,
      existing.heldMinor,
      deriveLedgerId(`txn:${existing.txnId}:void_unconfirmed:remainder`),
    );
    const operations: readonly LedgerOperation[] = change.operations;
    await ledger.apply(account, operations, {
      forced: true,
      chainId: `txn:${existing.txnId}:void_unconfirmed`,
    });
    const nowMs = clock.nowMs();
    const processed: ProcessedMessage = {
      ...existing,
      decision: 'voided',
      responseCode: command.answeredResponseCode,
      declineReason: `unconfirmed:${command.reason}`,
      heldMinor: 0n,
      flags: [...existing.flags, 'hold_released'],
    };
    const event = transactionEvent(
      ids,
      settings.outboxShardCount,
      nowMs,
      {
        kind: existing.kind,
        mtid: '',
        txnType: '',
        txnId: existing.txnId,
        token: existing.token,
        traceidLifecycle: '',
        transLink: '',
        authCode: '',
        retrievalReferenceNumber: existing.retrievalReferenceNumber,
        matchingTxnId: '',
        acquirerReferenceNumber: '',
        sendingAttemptCount: 0,
        authorisedByProcessor: false,
        txnStatCode: '',
        respCodeDe39: '',
        procCode: '',
        billAmount: { amountMinor: -existing.heldMinor, currencyCode: account.currencyCode },
        txnAmount: { amountMinor: 0n, currencyCode: '' },
        feesMinor: 0n,
        mcc: '',
        merchant: {
          name: '',
          city: '',
          region: '',
          country: '',
          merchantId: '',
          terminalId: '',
          nameLocationRaw: '',
        },
        txnCountry: '',
        posEntryMode: '',
        processorTimestamp: '',
        transmissionTimeDe07: existing.transmissionTimeDe07,
        receivedAtMs: nowMs,
        payloadHash: existing.payloadHash,
        malformedReason: '',
      },
      undefined,
      {
        type: 'authorization.transaction.reversed.v1',
        accountId: account.accountId,
        decisionId: existing.decisionId,
        responseCode: command.answeredResponseCode,
        declineReason: `unconfirmed:${command.reason}`,
        lifecycleId: lifecycle.id,
        holdChangeMinor: -change.releasedMinor,
        postedMinor: 0n,
        flags: ['void_unconfirmed'],
      },
    );
    await store.commit({
      processed,
      lifecycle: { ...lifecycle, holds: change.holds },
      outbox: [event],
    });
    return { holdReleased: true };
  }

  private neverSeenRecord(command: VoidUnconfirmedDecisionCommand): ProcessedMessage {
    const { ids, clock } = this.dependencies;
    return {
      txnId: command.txnId,
      kind: 'auth_requested',
      token: '',
      accountId: '',
      lifecycleId: '',
      payloadHash: '',
      responseCode: command.answeredResponseCode,
      acknowledged: true,
      decision: 'voided',
      declineReason: `unconfirmed:${command.reason}`,
      heldMinor: 0n,
      processorStatCode: '',
      retrievalReferenceNumber: '',
      transmissionTimeDe07: '',
      flags: ['voided_before_seen'],
      createdAtMs: clock.nowMs(),
      decisionId: ids.nextId(),
    };
  }
}
