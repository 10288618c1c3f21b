import type { Counter, Histogram, Registry } from 'prom-client';

import { createCounter, createDurationHistogram } from '@corebank/platform-observability';

/** The feed's own metrics, registered on the service's registry (served at /metrics on the ops port). */
export class FeedMetrics {
  readonly httpRequests: Counter<'route' | 'status'>;
  readonly httpRequestDuration: Histogram<'route'>;
  readonly eventsRecorded: Counter<'outcome'>;

  constructor(registry: Registry) {
    this.httpRequests = createCounter(registry, {
      name: 'feed_http_requests_total',
      help: 'Feed API requests by route and status',
      labelNames: ['route', 'status'],
    });
    this.httpRequestDuration = createDurationHistogram(registry, {
      name: 'feed_http_request_duration_ms',
      help: 'Feed API request duration until the response is written (SSE: until the stream ends)',
      labelNames: ['route'],
    });
    this.eventsRecorded = createCounter(registry, {
      name: 'feed_events_recorded_total',
      help: 'enrichment.transactions.v1 events handled by outcome (recorded, stale, no_account)',
      labelNames: ['outcome'],
    });
  }
}
