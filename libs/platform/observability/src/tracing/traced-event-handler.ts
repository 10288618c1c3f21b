import { context, ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';

import { contextFromTraceparent } from './trace-headers';
import { runInSpan } from './with-span';

/** What a bus event carries for tracing (the event-bus envelope has these fields). */
export interface TraceableEvent {
  readonly id: string;
  readonly traceparent?: string;
}

/** Where a delivery came from (the event-bus delivery context has these fields). */
export interface TraceableDelivery {
  readonly topic: string;
  readonly attempt: number;
}

/**
 * Runs each delivery in a consumer span that continues the event's trace (its `traceparent`,
 * from the bus header), so every log line and span of the work carries the payment's trace id.
 * Starts from the root context: nothing of the bus's fetch loop leaks into the event's trace.
 * Every consumer of the bus wraps its handler in this.
 */
export function tracedEventHandler<
  Event extends TraceableEvent,
  Delivery extends TraceableDelivery,
>(
  spanName: string,
  handler: (event: Event, delivery: Delivery) => Promise<void>,
): (event: Event, delivery: Delivery) => Promise<void> {
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
