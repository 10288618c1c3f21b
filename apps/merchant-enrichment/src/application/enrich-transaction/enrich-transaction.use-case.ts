import {
  type EnrichedMerchant,
  type EnrichedTransactionData,
  enrichedTransactionDataToJson,
  enrichedTransactionEventId,
  type EnrichmentStatus,
  TRANSACTION_TOPICS,
} from '@corebank/domain-transaction-events';
import type { Clock } from '@corebank/platform-clock';
import { isPlatformError, PlatformError } from '@corebank/platform-errors';
import type { EventBus, EventEnvelope } from '@corebank/platform-event-bus';
import type { IdGenerator } from '@corebank/platform-ids';

import { merchantKeyOf } from '../../domain/merchant-key';
import { newMerchantRecord } from '../../domain/merchant-record';
import type { MerchantStore } from '../../ports/merchant-store.port';
import type {
  EnrichmentSettings,
  EnrichTransactionCommand,
  EnrichTransactionOutcome,
} from './enrich-transaction.command';

type Settled<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

export type Sleep = (delayMs: number) => Promise<void>;

const realSleep: Sleep = (delayMs) =>
  new Promise((resolve) => {
    setTimeout(resolve, delayMs);
  });

/**
 * Publishes every authorization transaction on enrichment.transactions.v1 with its merchant,
 * creating the merchant once per natural key.
 *
 * The feed never waits on enrichment: when the merchant is not resolved within `deadlineMs` (or
 * the first try fails), the transaction is published unenriched at once, and the enriched update
 * follows from the same call. `execute` resolves only after everything it publishes is durable,
 * so the source offset is committed only then, and a crash in between redelivers the source
 * event. Output ids derive from the source id, so a redelivery republishes identical ids.
 *
 * Errors: PlatformError `invalid.enrichment_source_event_id` (not retryable: the id cannot carry
 * a derived id); `unavailable.merchant_enrichment` (retryable) after `attemptsMax` failed tries,
 * the unenriched event being already published; `unavailable.bus` from publishing (retryable);
 * `internal.merchant_row` (not retryable) for a stored row that does not parse.
 */
export class EnrichTransactionUseCase {
  constructor(
    private readonly merchants: MerchantStore,
    private readonly bus: EventBus,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    private readonly settings: EnrichmentSettings,
    private readonly sleep: Sleep = realSleep,
  ) {}

  async execute(command: EnrichTransactionCommand): Promise<EnrichTransactionOutcome> {
    if (enrichedTransactionEventId(command.sourceEventId, 'enriched') === undefined) {
      throw new PlatformError(
        'invalid.enrichment_source_event_id',
        'source event id is too long to derive an enriched event id from',
        { retryable: false, params: { length: command.sourceEventId.length } },
      );
    }
    const merchantKey = merchantKeyOf(command.transaction.merchant);
    if (merchantKey === undefined) {
      await this.publish(command, null, { status: 'unenriched', reason: 'no_merchant' });
      return { kind: 'no_merchant' };
    }
    const firstAttempt = settle(this.resolveMerchant(merchantKey, command));
    const early = await withDeadline(firstAttempt, this.settings.deadlineMs);
    if (early !== 'deadline' && early.ok) {
      await this.publish(command, early.value.merchant, { status: 'enriched' });
      return { kind: 'enriched', merchantCreated: early.value.created };
    }
    const reason = early === 'deadline' ? 'deadline_exceeded' : 'failed';
    await this.publish(command, null, { status: 'unenriched', reason });
    const merchant = await this.retryAfter(await firstAttempt, merchantKey, command);
    await this.publish(command, merchant, { status: 'enriched' });
    return { kind: 'enriched_late', reason };
  }

  private async resolveMerchant(
    merchantKey: string,
    command: EnrichTransactionCommand,
  ): Promise<{ merchant: EnrichedMerchant; created: boolean }> {
    // A read first: merchants repeat far more often than they are new, and on Cassandra the
    // conditional insert costs a Paxos round where a read does not.
    const existing = await this.merchants.find(merchantKey);
    if (existing !== undefined) {
      return { merchant: existing, created: false };
    }
    const candidate = newMerchantRecord(command.transaction, {
      merchantId: `merch_${this.ids.nextId()}`,
      createdAt: this.clock.now(),
      logoBaseUrl: this.settings.logoBaseUrl,
    });
    return this.merchants.createOnce(merchantKey, candidate);
  }

  /** Tries 2..attemptsMax with full-jitter backoff, after a first try that did not succeed in time. */
  private async retryAfter(
    first: Settled<{ merchant: EnrichedMerchant }>,
    merchantKey: string,
    command: EnrichTransactionCommand,
  ): Promise<EnrichedMerchant> {
    if (first.ok) {
      return first.value.merchant;
    }
    let lastError = first.error;
    for (let attempt = 2; attempt <= this.settings.attemptsMax; attempt += 1) {
      if (isPlatformError(lastError) && !lastError.retryable) {
        throw lastError;
      }
      await this.sleep(this.backoffMs(attempt - 1));
      const next = await settle(this.resolveMerchant(merchantKey, command));
      if (next.ok) {
        return next.value.merchant;
      }
      lastError = next.error;
    }
    if (isPlatformError(lastError) && !lastError.retryable) {
      throw lastError;
    }
    throw new PlatformError(
      'unavailable.merchant_enrichment',
      'merchant could not be resolved; the transaction went out unenriched',
      { retryable: true, params: { attempts: this.settings.attemptsMax }, cause: lastError },
    );
  }

  private backoffMs(retry: number): number {
    const ceilingMs = Math.min(
      this.settings.backoffMaxMs,
      this.settings.backoffInitialMs * 2 ** (retry - 1),
    );
    return Math.floor(Math.random() * ceilingMs);
  }

  private async publish(
    command: EnrichTransactionCommand,
    merchant: EnrichedMerchant | null,
    enrichment: EnrichmentStatus,
  ): Promise<void> {
    const id = enrichedTransactionEventId(command.sourceEventId, enrichment.status);
    if (id === undefined) {
      throw new PlatformError('invalid.enrichment_source_event_id', 'source event id too long', {
        retryable: false,
      });
    }
    const data: EnrichedTransactionData = {
      transaction: command.transaction,
      merchant,
      enrichment,
    };
    const envelope: EventEnvelope = {
      id,
      type: command.type,
      version: 1,
      occurredAt: command.occurredAt,
      key: command.key,
      ...(command.traceparent === undefined ? {} : { traceparent: command.traceparent }),
      data: enrichedTransactionDataToJson(data),
    };
    await this.bus.publish(TRANSACTION_TOPICS.enrichment, [envelope]);
  }
}

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

/** The settled attempt, or 'deadline' when it takes longer than `deadlineMs`. */
async function withDeadline<T>(
  attempt: Promise<Settled<T>>,
  deadlineMs: number,
): Promise<Settled<T> | 'deadline'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), deadlineMs);
  });
  try {
    return await Promise.race([attempt, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
