import { parseAuthorizationTransactionEvent } from '@corebank/domain-transaction-events';
import { PlatformError } from '@corebank/platform-errors';
import type { EventEnvelope, EventHandler } from '@corebank/platform-event-bus';

import type { EnrichTransactionUseCase } from '../../application/enrich-transaction/enrich-transaction.use-case';

/**
 * The handler for authorization.transactions.v1: validates the payload and runs the use case.
 * An event that does not parse throws a non-retryable PlatformError, which the bus's delivery
 * pipeline sends to the dead-letter topic at once; the partition then moves on.
 */
export interface EnrichmentLogger {
  warn(fields: Readonly<Record<string, string>>): void;
}

export function authorizationTransactionsHandler(
  useCase: EnrichTransactionUseCase,
  logger: EnrichmentLogger,
): EventHandler {
  return async (event: EventEnvelope): Promise<void> => {
    const parsed = parseAuthorizationTransactionEvent(event.type, event.data);
    if (parsed.kind === 'invalid') {
      throw new PlatformError(
        'invalid.authorization_transaction_event',
        `unparseable authorization transaction event: ${parsed.reason}`,
        { retryable: false },
      );
    }
    const outcome = await useCase.execute({
      sourceEventId: event.id,
      type: parsed.value.type,
      occurredAt: event.occurredAt,
      key: event.key,
      ...(event.traceparent === undefined ? {} : { traceparent: event.traceparent }),
      transaction: parsed.value.data,
    });
    if (outcome.kind === 'enriched_late') {
      logger.warn({
        message: 'transaction published unenriched before its merchant',
        reason: outcome.reason,
        eventId: event.id,
      });
    }
  };
}
