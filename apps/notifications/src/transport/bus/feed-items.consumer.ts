import { PlatformError } from '@corebank/platform-errors';
import type { EventEnvelope, EventHandler } from '@corebank/platform-event-bus';

import type { DeliveryReport } from '../../application/deliver-feed-item/deliver-feed-item.command';
import type { DeliverFeedItemUseCase } from '../../application/deliver-feed-item/deliver-feed-item.use-case';
import { parseFeedItemEvent } from '../../domain/feed-item-event';

/** The two levels this handler writes, as the platform logger (pino) takes them. */
export interface DeliveryLogger {
  info(fields: Readonly<Record<string, string>>, message: string): void;
  warn(fields: Readonly<Record<string, string>>, message: string): void;
}

/** One info line per state change (sent, dropped, device removed); failures as warnings. */
function logReport(report: DeliveryReport, eventId: string, logger: DeliveryLogger): void {
  for (const target of report.results) {
    if (target.result === 'already_finished') {
      continue;
    }
    const message = `${target.channel} delivery ${target.result}`;
    const fields = {
      eventId,
      itemId: report.itemId,
      targetId: target.targetId,
      ...(target.reason === undefined ? {} : { reason: target.reason }),
    };
    if (target.result === 'sent' || target.result === 'unregistered') {
      logger.info(fields, message);
    } else {
      logger.warn(fields, message);
    }
  }
}

/**
 * The handler for feed.items.v1. An unparseable event throws a non-retryable PlatformError, so
 * the bus dead-letters it at once; events of other types are skipped; use-case errors are
 * retryable and the bus redelivers with its own backoff.
 */
export function feedItemsHandler(
  useCase: DeliverFeedItemUseCase,
  logger: DeliveryLogger,
): EventHandler {
  return async (event: EventEnvelope): Promise<void> => {
    const parsed = parseFeedItemEvent(event);
    switch (parsed.kind) {
      case 'invalid':
        throw new PlatformError(
          'invalid.feed_item_event',
          `unparseable feed item event: ${parsed.reason}`,
          { retryable: false, params: { eventId: event.id } },
        );
      case 'ignored':
        return;
      case 'parsed':
        logReport(await useCase.execute(parsed.event), event.id, logger);
        return;
    }
  };
}
