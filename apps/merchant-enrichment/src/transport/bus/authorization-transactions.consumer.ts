import { parseAuthorizationTransactionEvent } from '@corebank/domain-transaction-events';
import { PlatformError } from '@corebank/platform-errors';
import type { EventEnvelope, EventHandler } from '@corebank/platform-event-bus';

import type { EnrichTransactionUseCase } from '../../application/enrich-transaction/enrich-transaction.use-case';

/** The two levels this handler writes, as the platform logger (pino) takes them. */
export interface EnrichmentLogger {
  info(fields: Readonly<Record<string, string | boolean>>, message: string): void;
  warn(fields: Readonly<Record<string, string | boolean>>, message: string): void;
}

/**
 * The handler for authorization.transactions.v1: validates the payload and runs the use case,
 * then writes one line per outcome (STYLE §8: one info line per state change). An event that
 * does not parse throws a non-retryable PlatformError, which the bus's delivery pipeline sends
 * to the dead-letter topic at once; the partition then moves on.
 */
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
    switch (outcome.kind) {
      case 'enriched':
        logger.info(
          { eventId: event.id, merchantCreated: outcome.merchantCreated },
          'transaction enriched',
        );
        return;
      case 'enriched_late':
        logger.warn(
          { eventId: event.id, reason: outcome.reason },
          'transaction published unenriched before its merchant',
        );
        return;
      case 'no_merchant':
        logger.info({ eventId: event.id }, 'transaction published without a merchant');
        return;
    }
  };
}
