import type { Clock } from '@corebank/platform-clock';
import { PlatformError } from '@corebank/platform-errors';
import type { IdGenerator } from '@corebank/platform-ids';
import type { DistributedLocks } from '@corebank/platform-locks';

import { decideByRules, type DeclineReason } from '../../domain/authorization-decision';
import type { Card } from '../../domain/card';
import {
  absoluteAmountMinor,
  type CardMessage,
  debitAmountMinor,
  isApprovalResponseCode,
  isDecideKind,
  processingCategoryOf,
} from '../../domain/card-message';
import {
  type Hold,
  type LedgerOperation,
  type Lifecycle,
  releaseFromHolds,
  replaceHolds,
  totalHeldMinor,
} from '../../domain/lifecycle';
import type { ProcessedMessage, RecordedDecision } from '../../domain/processed-message';
import type {
  AuthorizationStore,
  CustomerAccount,
  MessageCommit,
  OutboxEntry,
} from '../../ports/authorization-store.port';
import type { CustomerBalance, LedgerHolds } from '../../ports/ledger-holds.port';
import type { AuthorizationSettings } from '../authorization-settings';
import { type TransactionEventType, transactionEvent } from '../card-events';
import { deriveLedgerId } from '../ledger-transfer-ids';
import type {
  CardMessageResult,
  Deadline,
  ProcessCardMessageCommand,
} from './process-card-message.command';

/** Alerts for on-call (`txn_id_conflict`, `quarantined`, `unknown_message_kind`). */
export type AlertSink = (name: string, params: Readonly<Record<string, string>>) => void;

export interface ProcessCardMessageDependencies {
  readonly store: AuthorizationStore;
  readonly ledger: LedgerHolds;
  readonly locks: DistributedLocks;
  readonly ids: IdGenerator;
  readonly clock: Clock;
  readonly settings: AuthorizationSettings;
  readonly alert: AlertSink;
}

/** Everything about the message's card that the effect needs. */
interface CardContext {
  readonly card: Card;
  readonly account: CustomerAccount;
}

/** What handling one message decided, before it is committed. */
interface Outcome {
  readonly responseCode: string;
  readonly acknowledged: boolean;
  readonly decision: RecordedDecision;
  readonly declineReason: string;
  readonly eventType: TransactionEventType | undefined;
  readonly lifecycle?: Lifecycle;
  readonly lifecycleKeys?: readonly string[];
  readonly messageKeys?: readonly string[];
  readonly heldMinor: bigint;
  readonly holdChangeMinor: bigint;
  readonly postedMinor: bigint;
  readonly flags: readonly string[];
  readonly dailySpendMinor?: bigint;
  readonly quarantineReason?: string;
}

const NO_MONEY = { heldMinor: 0n, holdChangeMinor: 0n, postedMinor: 0n } as const;

/**
 * Processes one processor message (CARD-PROCESSOR.md §4–§6): decides decide messages, applies
 * the ledger effect of every kind, records the outcome under the TXn_ID with its outbox event in
 * one batch, and answers replays from that record.
 *
 * Serialisation: a lock on the TXn_ID (so parallel deliveries of one message run one at a time
 * and VoidUnconfirmedDecision cannot interleave), then a lock on the card (so a lifecycle's holds
 * and the card's daily spend change one message at a time). The ledger enforces the balance
 * atomically (debits must not exceed credits), so two cards of one account cannot overdraw it.
 *
 * Errors: PlatformError `timeout.deadline_exceeded` when too little of the deadline is left (a
 * decide message then holds nothing), `timeout.lock_wait`, `unavailable.*` from the store or the
 * ledger (retryable; nothing was recorded, a re-send applies the effect once).
 */
export class ProcessCardMessageUseCase {
  constructor(private readonly dependencies: ProcessCardMessageDependencies) {}

  async execute(command: ProcessCardMessageCommand): Promise<CardMessageResult> {
    const { message, deadline } = command;
    const { locks, settings } = this.dependencies;
    this.assertTimeLeft(deadline);
    const txnLockKey = `authorization/txn/${message.txnId === '' ? `hash-${message.payloadHash}` : message.txnId}`;
    const cardLockKey = `authorization/card/${message.token === '' ? '-' : message.token}`;
    const lockOptions = () => ({
      ttlMs: settings.lockTtlMs,
      waitTimeoutMs: Math.max(1, Math.min(settings.lockWaitMs, deadline.remainingMs())),
    });
    return locks.withLock(txnLockKey, lockOptions(), () =>
      locks.withLock(cardLockKey, lockOptions(), () => this.underLocks(command)),
    );
  }

  private async underLocks(command: ProcessCardMessageCommand): Promise<CardMessageResult> {
    const { message } = command;
    const { store } = this.dependencies;
    const existing = message.txnId === '' ? undefined : await store.getProcessed(message.txnId);
    if (existing !== undefined) {
      return this.seenBefore(existing, command);
    }
    return this.firstSight(command);
  }

  // ---- seen before (§6.1) -------------------------------------------------------------------

  private async seenBefore(
    existing: ProcessedMessage,
    command: ProcessCardMessageCommand,
  ): Promise<CardMessageResult> {
    const { message } = command;
    const context = await this.cardContext(existing.token === '' ? message.token : existing.token);
    if (message.authorisedByProcessor && isDecideKind(existing.kind) && context !== undefined) {
      return this.reconcileWithProcessor(existing, context, command);
    }
    if (existing.payloadHash !== message.payloadHash) {
      this.dependencies.alert('txn_id_conflict', { txnId: message.txnId });
    }
    return this.replay(existing, context);
  }

  private async replay(
    existing: ProcessedMessage,
    context: CardContext | undefined,
  ): Promise<CardMessageResult> {
    return {
      responseCode: existing.responseCode,
      acknowledged: existing.acknowledged,
      decisionId: existing.decisionId,
      ...(context === undefined ? {} : { balance: await this.balanceOf(context) }),
    };
  }

  /**
   * The reconciliation matrix: the processor timed us out and decided itself. Approved by us but
   * declined by it → release our hold; declined by us (or voided) but approved by it → hold
   * (may overdraw). The record then carries the processor's verdict, so a further copy is a no-op.
   */
  private async reconcileWithProcessor(
    existing: ProcessedMessage,
    context: CardContext,
    command: ProcessCardMessageCommand,
  ): Promise<CardMessageResult> {
    const { message } = command;
    const processorApproved = message.txnStatCode === 'A';
    const weHold = existing.decision === 'approved';
    if (processorApproved === weHold || (!processorApproved && message.txnStatCode !== 'I')) {
      return this.replay(existing, context);
    }
    const lifecycle = await this.lifecycleOf(existing.lifecycleId, context, message);
    let outcome: Outcome;
    if (!processorApproved) {
      const change = releaseFromHolds(
        lifecycle.holds,
        existing.heldMinor,
        deriveLedgerId(`txn:${message.txnId}:processor_declined:remainder`),
      );
      await this.applyLedger(
        context,
        change.operations,
        true,
        `txn:${message.txnId}:processor_declined`,
      );
      outcome = {
        responseCode: '00',
        acknowledged: true,
        decision: 'declined',
        declineReason: 'declined_by_processor',
        eventType: 'authorization.transaction.reversed.v1',
        lifecycle: { ...lifecycle, holds: change.holds },
        heldMinor: 0n,
        holdChangeMinor: -change.releasedMinor,
        postedMinor: 0n,
        flags: ['processor_declined'],
      };
    } else {
      const amountMinor = debitAmountMinor(message);
      const holdId = deriveLedgerId(`txn:${message.txnId}:processor_approved:hold`);
      const operations: LedgerOperation[] =
        amountMinor > 0n ? [{ kind: 'place_hold', transferId: holdId, amountMinor }] : [];
      await this.applyLedger(context, operations, true, `txn:${message.txnId}:processor_approved`);
      outcome = {
        responseCode: '00',
        acknowledged: true,
        decision: 'approved',
        declineReason: '',
        eventType: 'authorization.transaction.authorized.v1',
        lifecycle: {
          ...lifecycle,
          holds:
            amountMinor > 0n
              ? [...lifecycle.holds, { transferId: holdId, amountMinor }]
              : lifecycle.holds,
        },
        lifecycleKeys: lifecycleKeysOf(message),
        heldMinor: amountMinor,
        holdChangeMinor: amountMinor,
        postedMinor: 0n,
        flags: ['stand_in'],
      };
    }
    const updated: ProcessedMessage = {
      ...existing,
      // A TXn_ID voided before we saw it has no card yet; the processor's copy tells us.
      token: context.card.token,
      accountId: context.account.accountId,
      lifecycleId: lifecycle.id,
      decision: outcome.decision,
      declineReason: outcome.declineReason,
      heldMinor: outcome.heldMinor,
      processorStatCode: message.txnStatCode,
      flags: [...existing.flags, ...outcome.flags],
    };
    return this.commit(command, context, outcome, updated);
  }

  // ---- first sight ----------------------------------------------------------------------------

  private async firstSight(command: ProcessCardMessageCommand): Promise<CardMessageResult> {
    const { message } = command;
    if (message.malformedReason !== '' || message.txnId === '' || message.token === '') {
      return this.malformed(command);
    }
    const context = await this.cardContext(message.token);
    if (context === undefined) {
      return this.unknownCard(command);
    }
    if (message.kind === 'auth_repeated') {
      const original = await this.originalOfRepeat(message);
      if (original !== undefined) {
        return this.commit(command, context, {
          ...NO_MONEY,
          responseCode: original.responseCode,
          acknowledged: true,
          decision: 'acknowledged',
          declineReason: original.declineReason,
          eventType: undefined,
          flags: [`repeat_of:${original.txnId}`],
        });
      }
    }
    if (isDecideKind(message.kind)) {
      return message.authorisedByProcessor
        ? this.standInNeverSeen(command, context)
        : this.decide(command, context);
    }
    return this.notification(command, context);
  }

  private async malformed(command: ProcessCardMessageCommand): Promise<CardMessageResult> {
    const { message } = command;
    const reason =
      message.malformedReason === '' ? 'missing_required_field' : message.malformedReason;
    if (isDecideKind(message.kind)) {
      return this.commit(command, undefined, {
        ...NO_MONEY,
        responseCode: '30',
        acknowledged: true,
        decision: 'declined',
        declineReason: 'format_error',
        eventType: 'authorization.transaction.declined.v1',
        flags: [reason],
      });
    }
    this.dependencies.alert('quarantined', { txnId: message.txnId, reason });
    return this.commit(command, undefined, {
      ...NO_MONEY,
      responseCode: '00',
      acknowledged: true,
      decision: 'acknowledged',
      declineReason: '',
      eventType: 'authorization.transaction.recorded.v1',
      flags: ['quarantined', reason],
      quarantineReason: reason,
    });
  }

  private unknownCard(command: ProcessCardMessageCommand): Promise<CardMessageResult> {
    const decide = isDecideKind(command.message.kind);
    if (!decide) {
      this.dependencies.alert('quarantined', {
        txnId: command.message.txnId,
        reason: 'unknown_token',
      });
    }
    return this.commit(command, undefined, {
      ...NO_MONEY,
      responseCode: decide ? '14' : '00',
      acknowledged: true,
      decision: decide ? 'declined' : 'acknowledged',
      declineReason: decide ? 'invalid_card' : '',
      eventType: decide
        ? 'authorization.transaction.declined.v1'
        : 'authorization.transaction.recorded.v1',
      flags: decide ? [] : ['quarantined', 'unknown_token'],
      ...(decide ? {} : { quarantineReason: 'unknown_token' }),
    });
  }

  /** 0101: the original 0100 with the same RRN and transmission time, if we answered it. */
  private async originalOfRepeat(message: CardMessage): Promise<ProcessedMessage | undefined> {
    if (message.retrievalReferenceNumber === '') {
      return undefined;
    }
    return this.dependencies.store.findProcessedByKey(message.token, repeatKey(message));
  }

  // ---- decide messages (§4.1) -----------------------------------------------------------------

  private async decide(
    command: ProcessCardMessageCommand,
    context: CardContext,
  ): Promise<CardMessageResult> {
    const { message, deadline } = command;
    const { store, clock } = this.dependencies;
    const day = utcDay(clock.nowMs());
    const spentTodayMinor = await store.spentToday(message.token, day);
    const rules = decideByRules({
      message,
      card: context.card,
      spentTodayMinor,
      nowMs: clock.nowMs(),
    });
    if (rules.kind === 'decline') {
      return this.commitDecline(command, context, rules.decline);
    }
    const category = processingCategoryOf(message.procCode);
    const lifecycle = await this.matchOrStartLifecycle(context, message, ['trace', 'link']);
    const keys = lifecycleKeysOf(message);
    const messageKeys = message.retrievalReferenceNumber === '' ? [] : [repeatKey(message)];
    if (rules.holdAmountMinor === 0n) {
      const refundMinor = category === 'refund' ? absoluteAmountMinor(message.billAmount) : 0n;
      return this.commit(command, context, {
        ...NO_MONEY,
        responseCode: '00',
        acknowledged: true,
        decision: 'approved',
        declineReason: '',
        eventType: 'authorization.transaction.authorized.v1',
        lifecycle: { ...lifecycle, pendingRefundMinor: lifecycle.pendingRefundMinor + refundMinor },
        lifecycleKeys: keys,
        messageKeys,
        flags: category === 'refund' ? ['refund_pending_presentment'] : [category],
      });
    }
    const amountMinor = rules.holdAmountMinor;
    const financial = message.kind === 'financial_requested';
    const transferId = deriveLedgerId(`txn:${message.txnId}:${financial ? 'debit' : 'hold'}`);
    const operation: LedgerOperation = financial
      ? { kind: 'debit', transferId, amountMinor }
      : { kind: 'place_hold', transferId, amountMinor };
    this.assertTimeLeft(deadline);
    const applied = await this.dependencies.ledger.apply(context.account, [operation], {
      forced: false,
      chainId: `txn:${message.txnId}`,
    });
    if (applied.kind === 'insufficient_funds') {
      return this.commitDecline(command, context, {
        reason: 'insufficient_funds',
        responseCode: '51',
      });
    }
    if (deadline.remainingMs() <= 0) {
      // Too late to answer: the gateway has told the processor "declined", so the money must not
      // stay held. Undo, record the decline, and let the caller see the deadline error.
      await this.undo(context, operation, message.txnId);
      await this.commitDecline(command, context, {
        reason: 'issuer_unavailable',
        responseCode: '91',
      });
      throw new PlatformError('timeout.deadline_exceeded', 'deadline passed before commit', {
        retryable: true,
      });
    }
    const nextLifecycle: Lifecycle = financial
      ? { ...lifecycle, postedDebitMinor: lifecycle.postedDebitMinor + amountMinor }
      : { ...lifecycle, holds: [...lifecycle.holds, { transferId, amountMinor }] };
    return this.commit(command, context, {
      responseCode: '00',
      acknowledged: true,
      decision: 'approved',
      declineReason: '',
      eventType: financial
        ? 'authorization.transaction.settled.v1'
        : 'authorization.transaction.authorized.v1',
      lifecycle: nextLifecycle,
      lifecycleKeys: keys,
      messageKeys,
      heldMinor: financial ? 0n : amountMinor,
      holdChangeMinor: financial ? 0n : amountMinor,
      postedMinor: financial ? -amountMinor : 0n,
      flags: lifecycle.holds.length > 0 ? ['incremental'] : [],
      dailySpendMinor: spentTodayMinor + amountMinor,
    });
  }

  private commitDecline(
    command: ProcessCardMessageCommand,
    context: CardContext,
    decline: DeclineReason,
  ): Promise<CardMessageResult> {
    return this.commit(command, context, {
      ...NO_MONEY,
      responseCode: decline.responseCode,
      acknowledged: true,
      decision: decline.responseCode === '91' ? 'voided' : 'declined',
      declineReason: 'detail' in decline ? `${decline.reason}:${decline.detail}` : decline.reason,
      eventType: 'authorization.transaction.declined.v1',
      flags: [],
    });
  }

  /** A decide message we never answered, re-sent as the processor's stand-in decision. */
  private async standInNeverSeen(
    command: ProcessCardMessageCommand,
    context: CardContext,
  ): Promise<CardMessageResult> {
    const { message } = command;
    if (message.txnStatCode !== 'A') {
      return this.commit(command, context, {
        ...NO_MONEY,
        responseCode: '00',
        acknowledged: true,
        decision: 'declined',
        declineReason: 'declined_by_processor',
        eventType: 'authorization.transaction.declined.v1',
        flags: ['stand_in'],
      });
    }
    const lifecycle = await this.matchOrStartLifecycle(context, message, ['trace', 'link']);
    const amountMinor = debitAmountMinor(message);
    const transferId = deriveLedgerId(`txn:${message.txnId}:hold`);
    const operations: LedgerOperation[] =
      amountMinor > 0n ? [{ kind: 'place_hold', transferId, amountMinor }] : [];
    await this.applyLedger(context, operations, true, `txn:${message.txnId}`);
    return this.commit(command, context, {
      responseCode: '00',
      acknowledged: true,
      decision: 'approved',
      declineReason: '',
      eventType: 'authorization.transaction.authorized.v1',
      lifecycle: {
        ...lifecycle,
        holds:
          amountMinor > 0n ? [...lifecycle.holds, { transferId, amountMinor }] : lifecycle.holds,
      },
      lifecycleKeys: lifecycleKeysOf(message),
      heldMinor: amountMinor,
      holdChangeMinor: amountMinor,
      postedMinor: 0n,
      flags: ['stand_in'],
    });
  }

  // ---- notifications (§5) ---------------------------------------------------------------------

  private async notification(
    command: ProcessCardMessageCommand,
    context: CardContext,
  ): Promise<CardMessageResult> {
    const { message } = command;
    switch (message.kind) {
      case 'auth_advised':
        return this.advice(command, context);
      case 'auth_reversed':
        return this.reversal(command, context);
      case 'auth_expired':
        return this.expiry(command, context);
      case 'presented':
        return this.presentment(command, context);
      case 'presentment_reversed':
        return this.clearingReversal(command, context);
      case 'financial_advised':
        return this.financialAdvice(command, context);
      case 'financial_reversed':
        return this.financialReversal(command, context);
      case 'account_adjusted':
        return this.adjustment(command, context);
      case 're_presented':
      case 'chargeback':
      case 'chargeback_reversed':
        return this.recordOnly(command, context, message.kind, true);
      case 'advice_notification_ignored':
        return this.recordOnly(command, context, 'ignored_dummy_advice', false);
      case 'unknown':
        this.dependencies.alert('unknown_message_kind', {
          txnId: message.txnId,
          mtid: message.mtid,
          txnType: message.txnType,
        });
        return this.recordOnly(command, context, 'unknown_message_kind', true);
      case 'auth_requested':
      case 'auth_repeated':
      case 'financial_requested':
        return this.decide(command, context);
    }
  }

  private recordOnly(
    command: ProcessCardMessageCommand,
    context: CardContext,
    flag: string,
    emitEvent: boolean,
  ): Promise<CardMessageResult> {
    return this.commit(command, context, {
      ...NO_MONEY,
      responseCode: '00',
      acknowledged: true,
      decision: 'acknowledged',
      declineReason: '',
      eventType: emitEvent ? 'authorization.transaction.recorded.v1' : undefined,
      flags: [flag],
    });
  }

  /** 0120/J: an approved advice replaces the lifecycle's hold; a declined one releases it. */
  private async advice(
    command: ProcessCardMessageCommand,
    context: CardContext,
  ): Promise<CardMessageResult> {
    const { message } = command;
    const approved = isApprovalResponseCode(message.respCodeDe39);
    const matched = await this.store().findLifecycle(
      message.token,
      matchKeysOf(message, ['trace', 'link']),
    );
    const lifecycle = matched ?? this.newLifecycle(context, message);
    const amountMinor = approved ? debitAmountMinor(message) : 0n;
    const change = replaceHolds(
      lifecycle.holds,
      amountMinor,
      deriveLedgerId(`txn:${message.txnId}:advice_hold`),
    );
    await this.applyLedger(context, change.operations, true, `txn:${message.txnId}`);
    const heldBefore = totalHeldMinor(lifecycle.holds);
    return this.commit(command, context, {
      responseCode: '00',
      acknowledged: true,
      decision: 'acknowledged',
      declineReason: approved ? '' : `stand_in_declined:${message.respCodeDe39}`,
      eventType: approved
        ? 'authorization.transaction.advised.v1'
        : 'authorization.transaction.reversed.v1',
      lifecycle: { ...lifecycle, holds: change.holds },
      lifecycleKeys: lifecycleKeysOf(message),
      heldMinor: amountMinor,
      holdChangeMinor: totalHeldMinor(change.holds) - heldBefore,
      postedMinor: 0n,
      flags: matched === undefined && approved ? ['stand_in'] : [],
    });
  }

  /** 0400/0420/0120 D: release min(amount, hold); everything when Txn_Amt equals the original. */
  private async reversal(
    command: ProcessCardMessageCommand,
    context: CardContext,
  ): Promise<CardMessageResult> {
    const { message } = command;
    const lifecycle = await this.store().findLifecycle(
      message.token,
      matchKeysOf(message, ['trace', 'link', 'auth', 'matching']),
    );
    if (lifecycle === undefined) {
      return this.recordOnly(command, context, 'orphan_reversal', true);
    }
    const heldMinor = totalHeldMinor(lifecycle.holds);
    const amountMinor = absoluteAmountMinor(message.billAmount);
    const full =
      message.txnAmount.amountMinor !== 0n &&
      absoluteAmountMinor(message.txnAmount) === lifecycle.originalTxnAmountMinor &&
      message.txnAmount.currencyCode === lifecycle.originalTxnCurrency;
    const releaseMinor = full ? heldMinor : amountMinor;
    const change = releaseFromHolds(
      lifecycle.holds,
      releaseMinor,
      deriveLedgerId(`txn:${message.txnId}:remainder`),
    );
    await this.applyLedger(context, change.operations, true, `txn:${message.txnId}`);
    const flags: string[] = [full ? 'full_reversal' : 'partial_reversal'];
    if (!full && amountMinor > heldMinor) {
      flags.push('over_reversal');
    }
    return this.commit(command, context, {
      responseCode: '00',
      acknowledged: true,
      decision: 'acknowledged',
      declineReason: '',
      eventType: 'authorization.transaction.reversed.v1',
      lifecycle: { ...lifecycle, holds: change.holds },
      lifecycleKeys: lifecycleKeysOf(message),
      heldMinor: 0n,
      holdChangeMinor: -change.releasedMinor,
      postedMinor: 0n,
      flags,
    });
  }

  private async expiry(
    command: ProcessCardMessageCommand,
    context: CardContext,
  ): Promise<CardMessageResult> {
    const { message } = command;
    const lifecycle = await this.store().findLifecycle(
      message.token,
      matchKeysOf(message, ['trace', 'link', 'auth', 'matching']),
    );
    if (lifecycle === undefined) {
      return this.recordOnly(command, context, 'orphan_expiry', true);
    }
    const change = releaseFromHolds(
      lifecycle.holds,
      totalHeldMinor(lifecycle.holds),
      deriveLedgerId(`txn:${message.txnId}:remainder`),
    );
    await this.applyLedger(context, change.operations, true, `txn:${message.txnId}`);
    return this.commit(command, context, {
      responseCode: '00',
      acknowledged: true,
      decision: 'acknowledged',
      declineReason: '',
      eventType: 'authorization.transaction.expired.v1',
      lifecycle: { ...lifecycle, holds: change.holds },
      heldMinor: 0n,
      holdChangeMinor: -change.releasedMinor,
      postedMinor: 0n,
      flags: [],
    });
  }

  /**
   * 1240/P: a debit releases min(hold, amount) and posts the full amount in one chain; a credit
   * (06, Proc_Code 20, positive Bill_Amt) posts the refund. Unmatched debits are force posts.
   */
  private async presentment(
    command: ProcessCardMessageCommand,
    context: CardContext,
  ): Promise<CardMessageResult> {
    const { message } = command;
    const isCredit =
      message.billAmount.amountMinor > 0n ||
      message.mtid === '06' ||
      processingCategoryOf(message.procCode) === 'refund';
    const amountMinor = absoluteAmountMinor(message.billAmount);
    const matched = isCredit
      ? undefined
      : await this.store().findLifecycle(
          message.token,
          matchKeysOf(message, ['trace', 'link', 'auth', 'matching']),
        );
    const lifecycle = matched ?? this.newLifecycle(context, message);
    const transferId = deriveLedgerId(`txn:${message.txnId}:${isCredit ? 'credit' : 'debit'}`);
    if (isCredit) {
      await this.applyLedger(
        context,
        [{ kind: 'credit', transferId, amountMinor }],
        true,
        `txn:${message.txnId}`,
      );
      return this.commit(command, context, {
        responseCode: '00',
        acknowledged: true,
        decision: 'acknowledged',
        declineReason: '',
        eventType: 'authorization.transaction.credited.v1',
        lifecycle: { ...lifecycle, postedCreditMinor: lifecycle.postedCreditMinor + amountMinor },
        lifecycleKeys: presentmentKeysOf(message),
        heldMinor: 0n,
        holdChangeMinor: 0n,
        postedMinor: amountMinor,
        flags: ['refund'],
      });
    }
    const heldMinor = totalHeldMinor(lifecycle.holds);
    const change = releaseFromHolds(
      lifecycle.holds,
      amountMinor,
      deriveLedgerId(`txn:${message.txnId}:remainder`),
    );
    const operations: LedgerOperation[] = [
      ...change.operations,
      { kind: 'debit', transferId, amountMinor },
    ];
    await this.applyLedger(context, operations, true, `txn:${message.txnId}`);
    const flags: string[] = [];
    if (matched === undefined) {
      flags.push('force_post');
    } else if (amountMinor > heldMinor) {
      flags.push('over_clearing');
    }
    if (matched !== undefined && message.traceidLifecycle === '') {
      flags.push('unreliable_match');
    }
    return this.commit(command, context, {
      responseCode: '00',
      acknowledged: true,
      decision: 'acknowledged',
      declineReason: '',
      eventType: 'authorization.transaction.settled.v1',
      lifecycle: {
        ...lifecycle,
        holds: change.holds,
        postedDebitMinor: lifecycle.postedDebitMinor + amountMinor,
      },
      lifecycleKeys: presentmentKeysOf(message),
      heldMinor: 0n,
      holdChangeMinor: -change.releasedMinor,
      postedMinor: -amountMinor,
      flags,
    });
  }

  /** 1240/E: credit back a matched purchase presentment; a negative amount is a data error. */
  private async clearingReversal(
    command: ProcessCardMessageCommand,
    context: CardContext,
  ): Promise<CardMessageResult> {
    const { message } = command;
    if (message.billAmount.amountMinor < 0n) {
      this.dependencies.alert('quarantined', { txnId: message.txnId, reason: 'negative_reversal' });
      return this.commit(command, context, {
        ...NO_MONEY,
        responseCode: '00',
        acknowledged: true,
        decision: 'acknowledged',
        declineReason: '',
        eventType: 'authorization.transaction.recorded.v1',
        flags: ['quarantined', 'negative_reversal'],
        quarantineReason: 'negative_reversal',
      });
    }
    const lifecycle = await this.store().findLifecycle(
      message.token,
      matchKeysOf(message, ['arn', 'trace', 'link', 'matching']),
    );
    if (lifecycle === undefined) {
      return this.recordOnly(command, context, 'orphan_clearing_reversal', true);
    }
    return this.creditBackPosted(command, context, lifecycle);
  }

  /** 0220/Q: approved → post unless already posted for the lifecycle; declined → undo the debit. */
  private async financialAdvice(
    command: ProcessCardMessageCommand,
    context: CardContext,
  ): Promise<CardMessageResult> {
    const { message } = command;
    const matched = await this.store().findLifecycle(
      message.token,
      matchKeysOf(message, ['trace', 'link', 'auth', 'matching']),
    );
    const lifecycle = matched ?? this.newLifecycle(context, message);
    const approved = isApprovalResponseCode(message.respCodeDe39);
    const netPostedMinor = lifecycle.postedDebitMinor - lifecycle.postedCreditMinor;
    const amountMinor = absoluteAmountMinor(message.billAmount);
    let operation: LedgerOperation | undefined;
    if (approved && netPostedMinor === 0n && amountMinor > 0n) {
      operation = {
        kind: 'debit',
        transferId: deriveLedgerId(`txn:${message.txnId}:debit`),
        amountMinor,
      };
    } else if (!approved && netPostedMinor > 0n) {
      operation = {
        kind: 'credit',
        transferId: deriveLedgerId(`txn:${message.txnId}:credit`),
        amountMinor: netPostedMinor,
      };
    }
    await this.applyLedger(
      context,
      operation === undefined ? [] : [operation],
      true,
      `txn:${message.txnId}`,
    );
    const postedMinor =
      operation === undefined
        ? 0n
        : operation.kind === 'debit'
          ? -operation.amountMinor
          : operation.amountMinor;
    return this.commit(command, context, {
      responseCode: '00',
      acknowledged: true,
      decision: 'acknowledged',
      declineReason: approved ? '' : `stand_in_declined:${message.respCodeDe39}`,
      eventType:
        postedMinor < 0n
          ? 'authorization.transaction.settled.v1'
          : postedMinor > 0n
            ? 'authorization.transaction.credited.v1'
            : 'authorization.transaction.recorded.v1',
      lifecycle: {
        ...lifecycle,
        postedDebitMinor: lifecycle.postedDebitMinor + (postedMinor < 0n ? -postedMinor : 0n),
        postedCreditMinor: lifecycle.postedCreditMinor + (postedMinor > 0n ? postedMinor : 0n),
      },
      lifecycleKeys: lifecycleKeysOf(message),
      heldMinor: 0n,
      holdChangeMinor: 0n,
      postedMinor,
      flags: matched === undefined ? ['stand_in'] : [],
    });
  }

  /** 0420/V: credit back min(amount, what is posted and not yet credited). */
  private async financialReversal(
    command: ProcessCardMessageCommand,
    context: CardContext,
  ): Promise<CardMessageResult> {
    const { message } = command;
    const lifecycle = await this.store().findLifecycle(
      message.token,
      matchKeysOf(message, ['trace', 'link', 'auth', 'matching']),
    );
    if (lifecycle === undefined) {
      return this.recordOnly(command, context, 'orphan_financial_reversal', true);
    }
    return this.creditBackPosted(command, context, lifecycle);
  }

  /**
   * Clearing and single-message reversals credit back the requested amount, but never more than
   * the lifecycle has posted and not yet credited (an over-reversal is flagged, not paid).
   */
  private async creditBackPosted(
    command: ProcessCardMessageCommand,
    context: CardContext,
    lifecycle: Lifecycle,
  ): Promise<CardMessageResult> {
    const { message } = command;
    const creditableMinor = lifecycle.postedDebitMinor - lifecycle.postedCreditMinor;
    const requestedMinor = absoluteAmountMinor(message.billAmount);
    const amountMinor = requestedMinor < creditableMinor ? requestedMinor : creditableMinor;
    const operations: LedgerOperation[] =
      amountMinor > 0n
        ? [
            {
              kind: 'credit',
              transferId: deriveLedgerId(`txn:${message.txnId}:credit`),
              amountMinor,
            },
          ]
        : [];
    await this.applyLedger(context, operations, true, `txn:${message.txnId}`);
    return this.commit(command, context, {
      responseCode: '00',
      acknowledged: true,
      decision: 'acknowledged',
      declineReason: '',
      eventType: 'authorization.transaction.credited.v1',
      lifecycle: { ...lifecycle, postedCreditMinor: lifecycle.postedCreditMinor + amountMinor },
      heldMinor: 0n,
      holdChangeMinor: 0n,
      postedMinor: amountMinor,
      flags: requestedMinor > amountMinor ? ['over_reversal'] : [],
    });
  }

  /** Loads, unloads, balance adjustments, payments, fees: post as instructed (§5). */
  private async adjustment(
    command: ProcessCardMessageCommand,
    context: CardContext,
  ): Promise<CardMessageResult> {
    const { message } = command;
    const billMinor = message.billAmount.amountMinor;
    // A fee carries Bill_Amt 0 and its amount in the fee fields.
    const signedMinor = billMinor !== 0n ? billMinor : -message.feesMinor;
    const amountMinor = signedMinor < 0n ? -signedMinor : signedMinor;
    const transferId = deriveLedgerId(`txn:${message.txnId}:adjustment`);
    const operations: LedgerOperation[] =
      amountMinor === 0n
        ? []
        : [{ kind: signedMinor < 0n ? 'debit' : 'credit', transferId, amountMinor }];
    await this.applyLedger(context, operations, true, `txn:${message.txnId}`);
    return this.commit(command, context, {
      responseCode: '00',
      acknowledged: true,
      decision: 'acknowledged',
      declineReason: '',
      eventType: 'authorization.transaction.adjusted.v1',
      heldMinor: 0n,
      holdChangeMinor: 0n,
      postedMinor: signedMinor,
      flags: [`adjustment_${message.txnType}`],
    });
  }

  // ---- helpers --------------------------------------------------------------------------------

  private store(): AuthorizationStore {
    return this.dependencies.store;
  }

  private assertTimeLeft(deadline: Deadline): void {
    if (deadline.remainingMs() < this.dependencies.settings.deadlineReserveMs) {
      throw new PlatformError('timeout.deadline_exceeded', 'too little of the deadline is left', {
        retryable: true,
        params: { remainingMs: Math.max(0, Math.floor(deadline.remainingMs())) },
      });
    }
  }

  private async cardContext(token: string): Promise<CardContext | undefined> {
    if (token === '') {
      return undefined;
    }
    const card = await this.store().getCard(token);
    if (card === undefined) {
      return undefined;
    }
    const account = await this.store().getAccount(card.accountId);
    if (account === undefined) {
      throw new PlatformError('internal.card_without_account', 'card refers to a missing account', {
        retryable: false,
        params: { accountId: card.accountId },
      });
    }
    return { card, account };
  }

  private balanceOf(context: CardContext): Promise<CustomerBalance> {
    return this.dependencies.ledger.balance(context.account);
  }

  private async applyLedger(
    context: CardContext,
    operations: readonly LedgerOperation[],
    forced: boolean,
    chainId: string,
  ): Promise<void> {
    const outcome = await this.dependencies.ledger.apply(context.account, operations, {
      forced,
      chainId,
    });
    if (outcome.kind === 'insufficient_funds') {
      // Forced chains draw the shortfall from the overdraft account, so this cannot happen.
      throw new PlatformError('internal.forced_effect_refused', 'forced ledger effect refused', {
        retryable: false,
      });
    }
  }

  /** Voids a hold (or credits back a debit) placed by a decide message we may not answer. */
  private async undo(
    context: CardContext,
    operation: LedgerOperation,
    txnId: string,
  ): Promise<void> {
    const undoOperation: LedgerOperation =
      operation.kind === 'place_hold'
        ? {
            kind: 'void_hold',
            holdTransferId: operation.transferId,
            amountMinor: operation.amountMinor,
          }
        : {
            kind: 'credit',
            transferId: deriveLedgerId(`txn:${txnId}:late_undo`),
            amountMinor: operation.amountMinor,
          };
    await this.applyLedger(context, [undoOperation], true, `txn:${txnId}:late_undo`);
  }

  private async lifecycleOf(
    lifecycleId: string,
    context: CardContext,
    message: CardMessage,
  ): Promise<Lifecycle> {
    const found =
      lifecycleId === ''
        ? undefined
        : await this.store().findLifecycle(message.token, [`txn:${message.txnId}`]);
    return found ?? this.newLifecycle(context, message);
  }

  private async matchOrStartLifecycle(
    context: CardContext,
    message: CardMessage,
    kinds: readonly MatchKind[],
  ): Promise<Lifecycle> {
    const found = await this.store().findLifecycle(message.token, matchKeysOf(message, kinds));
    return found ?? this.newLifecycle(context, message);
  }

  private newLifecycle(context: CardContext, message: CardMessage): Lifecycle {
    return {
      id: this.dependencies.ids.nextId(),
      token: context.card.token,
      accountId: context.account.accountId,
      currencyCode: context.account.currencyCode,
      holds: [] as Hold[],
      originalTxnAmountMinor: absoluteAmountMinor(message.txnAmount),
      originalTxnCurrency: message.txnAmount.currencyCode,
      postedDebitMinor: 0n,
      postedCreditMinor: 0n,
      pendingRefundMinor: 0n,
    };
  }

  /** Writes the record, lifecycle, counters and outbox event in one batch, then answers. */
  private async commit(
    command: ProcessCardMessageCommand,
    context: CardContext | undefined,
    outcome: Outcome,
    updatedRecord?: ProcessedMessage,
  ): Promise<CardMessageResult> {
    const { message } = command;
    const { ids, clock, settings } = this.dependencies;
    const nowMs = clock.nowMs();
    const decisionId = updatedRecord?.decisionId ?? ids.nextId();
    const accountId = context?.account.accountId ?? '';
    const processed: ProcessedMessage = updatedRecord ?? {
      txnId: message.txnId === '' ? `hash-${message.payloadHash}` : message.txnId,
      kind: message.kind,
      token: context === undefined ? '' : message.token,
      accountId,
      lifecycleId: outcome.lifecycle?.id ?? '',
      payloadHash: message.payloadHash,
      responseCode: outcome.responseCode,
      acknowledged: outcome.acknowledged,
      decision: outcome.decision,
      declineReason: outcome.declineReason,
      heldMinor: outcome.heldMinor,
      processorStatCode: message.authorisedByProcessor ? message.txnStatCode : '',
      retrievalReferenceNumber: message.retrievalReferenceNumber,
      transmissionTimeDe07: message.transmissionTimeDe07,
      flags: outcome.flags,
      createdAtMs: nowMs,
      decisionId,
    };
    const outbox: OutboxEntry[] =
      outcome.eventType === undefined
        ? []
        : [
            transactionEvent(ids, settings.outboxShardCount, nowMs, message, command.traceparent, {
              type: outcome.eventType,
              accountId,
              decisionId,
              responseCode: outcome.responseCode,
              declineReason: outcome.declineReason,
              lifecycleId: outcome.lifecycle?.id ?? processed.lifecycleId,
              holdChangeMinor: outcome.holdChangeMinor,
              postedMinor: outcome.postedMinor,
              flags: outcome.flags,
              testAccount: context?.account.testAccount,
            }),
          ];
    const lifecycleKeys =
      outcome.lifecycle === undefined
        ? undefined
        : [...new Set([...(outcome.lifecycleKeys ?? []), `txn:${message.txnId}`])];
    const commit: MessageCommit = {
      processed,
      outbox,
      ...(outcome.lifecycle === undefined ? {} : { lifecycle: outcome.lifecycle, lifecycleKeys }),
      ...(outcome.messageKeys === undefined ? {} : { messageKeys: outcome.messageKeys }),
      ...(outcome.dailySpendMinor === undefined
        ? {}
        : {
            dailySpend: {
              token: message.token,
              day: utcDay(nowMs),
              spentMinor: outcome.dailySpendMinor,
            },
          }),
      ...(outcome.quarantineReason === undefined
        ? {}
        : {
            quarantine: {
              reason: outcome.quarantineReason,
              payload: quarantinePayload(message),
            },
          }),
    };
    // The ledger effects are already applied and the record does not change the ledger, so the
    // balance read (a round trip to the ledger) overlaps the local commit instead of following it.
    const balance = context === undefined ? undefined : this.balanceOf(context);
    // If the commit fails first, its error is the one reported; the read's outcome is dropped.
    balance?.catch(() => undefined);
    await this.dependencies.store.commit(commit);
    return {
      responseCode: outcome.responseCode,
      acknowledged: outcome.acknowledged,
      decisionId,
      ...(balance === undefined ? {} : { balance: await balance }),
    };
  }
}

type MatchKind = 'trace' | 'link' | 'auth' | 'matching' | 'arn';

/** Lifecycle match keys in the order of §6.2 (only those the message carries). */
export function matchKeysOf(message: CardMessage, kinds: readonly MatchKind[]): string[] {
  const keys: string[] = [];
  for (const kind of kinds) {
    switch (kind) {
      case 'trace':
        if (message.traceidLifecycle !== '') {
          keys.push(`trace:${message.traceidLifecycle}`);
        }
        break;
      case 'link':
        if (message.transLink !== '') {
          keys.push(`link:${message.transLink}`);
        }
        break;
      case 'auth':
        if (message.authCode !== '' && message.authCode !== '000000') {
          keys.push(`auth:${message.authCode}:${message.processorTimestamp.slice(0, 10)}`);
        }
        break;
      case 'matching':
        if (message.matchingTxnId !== '') {
          keys.push(`txn:${message.matchingTxnId}`);
        }
        break;
      case 'arn':
        if (message.acquirerReferenceNumber !== '') {
          keys.push(`arn:${message.acquirerReferenceNumber}`);
        }
        break;
    }
  }
  return keys;
}

function lifecycleKeysOf(message: CardMessage): string[] {
  return matchKeysOf(message, ['trace', 'link', 'auth']);
}

function presentmentKeysOf(message: CardMessage): string[] {
  return matchKeysOf(message, ['trace', 'link', 'arn']);
}

function repeatKey(message: CardMessage): string {
  return `repeat:${message.retrievalReferenceNumber}:${message.transmissionTimeDe07}`;
}

function utcDay(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 10);
}

/** What we keep of an unusable notification: typed fields only, never card secrets. */
function quarantinePayload(message: CardMessage): string {
  return JSON.stringify({
    ...message,
    billAmount: { ...message.billAmount, amountMinor: message.billAmount.amountMinor.toString() },
    txnAmount: { ...message.txnAmount, amountMinor: message.txnAmount.amountMinor.toString() },
    feesMinor: message.feesMinor.toString(),
  });
}
