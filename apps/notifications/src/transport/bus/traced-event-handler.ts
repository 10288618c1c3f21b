import { context, ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';

import type { EventHandler } from '@corebank/platform-event-bus';
import { contextFromTraceparent, runInSpan } from '@corebank/platform-observability';

/**
 * Runs each delivery in a consumer span that continues the event's trace (its `traceparent`,
 * from the bus header), so every log line and span of the work carries the payment's trace id.
 * Starts from the root context: nothing of the bus's fetch loop leaks into the event's trace.
 */
export function tracedEventHandler(spanName: string, handler: EventHandler): EventHandler {
  return (event, delivery) =>
    context.with(contextFromTraceparent(event.traceparent, ROOT_CONTEXT), () =>
      runInSpan(spanName, () => handler(event, delivery), {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.destination.name': delivery.topic,
          'messaging.message.id': event.id,
          'messaging.delivery.attempt': delivery.attempt,
        },
      }),
    );
}
