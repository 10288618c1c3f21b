import { parseEnrichedTransactionEvent } from '@corebank/domain-transaction-events';
import { PlatformError } from '@corebank/platform-errors';
import type { EventEnvelope, EventHandler } from '@corebank/platform-event-bus';

import type { RecordTransactionUseCase } from '../../application/record-transaction/record-transaction.use-case';
import type { FeedMetrics } from '../feed-metrics';

export interface ConsumerLogger {
  info(fields: Readonly<Record<string, string>>, message: string): void;
}

/**
 * The handler for enrichment.transactions.v1. Resolving means the item is stored and its change
 * published, so the bus commits the offset only then. An event that does not parse throws a
 * non-retryable PlatformError: the bus dead-letters it and the partition moves on.
 */
export function enrichedTransactionsHandler(
  useCase: RecordTransactionUseCase,
  logger: ConsumerLogger,
  metrics: FeedMetrics,
): EventHandler {
  return async (event: EventEnvelope): Promise<void> => {
    const parsed = parseEnrichedTransactionEvent(event.type, event.data);
    if (parsed.kind === 'invalid') {
      throw new PlatformError(
        'invalid.enriched_transaction_event',
        `unparseable enriched transaction event: ${parsed.reason}`,
        { retryable: false },
      );
    }
    const outcome = await useCase.execute({
      eventId: event.id,
      type: parsed.value.type,
      occurredAt: event.occurredAt,
      data: parsed.value.data,
      traceparent: event.traceparent,
    });
    metrics.eventsRecorded.inc({ outcome: outcome.kind });
    switch (outcome.kind) {
      case 'recorded':
        logger.info(
          { eventId: event.id, itemId: String(outcome.itemId), revision: String(outcome.revision) },
          'feed item recorded',
        );
        return;
      case 'stale':
        logger.info(
          { eventId: event.id, itemId: String(outcome.itemId) },
          'older transaction event left the feed item as it is',
        );
        return;
      case 'no_account':
        logger.info({ eventId: event.id }, 'transaction of an unknown card has no feed');
        return;
    }
  };
}
