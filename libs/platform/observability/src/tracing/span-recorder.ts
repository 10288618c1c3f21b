import { SpanKind, SpanStatusCode, type Context } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-node';

import { scrubText } from '../logging/redaction';
import { HOSTED_SERVICE_ATTRIBUTE } from '../process/hosted-services';

/** One finished span, flattened for timelines (`corebank trace <id>`). */
export interface RecordedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
  readonly kind: 'internal' | 'server' | 'client' | 'producer' | 'consumer';
  readonly service: string;
  /** Epoch milliseconds (fractional). */
  readonly startedAtMs: number;
  readonly durationMs: number;
  readonly status: 'unset' | 'ok' | 'error';
  /** Scalar attributes, string values scrubbed like log lines. */
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
}

export interface TimelineEntry extends RecordedSpan {
  /** Nesting under recorded ancestors (0 for spans whose parent was not recorded here). */
  readonly depth: number;
  /** Milliseconds since the first span of the trace started. */
  readonly offsetMs: number;
}

export interface TraceTimeline {
  readonly traceId: string;
  /** Parents before children, siblings by start time. */
  readonly entries: readonly TimelineEntry[];
  readonly durationMs: number;
  /** Spans not kept because the trace reached `spanCountPerTraceMax`. */
  readonly droppedSpanCount: number;
}

export interface SpanRecorderOptions {
  /** Traces kept; the oldest trace is forgotten when a new one would exceed this. */
  traceCountMax: number;
  /** Spans kept per trace; later ones are counted as dropped. */
  spanCountPerTraceMax: number;
}

export const DEFAULT_SPAN_RECORDER: Readonly<SpanRecorderOptions> = Object.freeze({
  traceCountMax: 1_000,
  spanCountPerTraceMax: 500,
});

const ATTRIBUTE_COUNT_MAX = 32;

interface RecordedTrace {
  readonly spans: RecordedSpan[];
  droppedSpanCount: number;
}

const KIND_NAMES: Readonly<Record<SpanKind, RecordedSpan['kind']>> = {
  [SpanKind.INTERNAL]: 'internal',
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
};

/**
 * A span processor that keeps the finished spans of recent traces in memory, bounded in traces
 * and in spans per trace, so one process can print the timeline of a payment it took part in.
 */
export class InMemorySpanRecorder implements SpanProcessor {
  private readonly traces = new Map<string, RecordedTrace>();

  constructor(private readonly options: SpanRecorderOptions = DEFAULT_SPAN_RECORDER) {}

  onStart(_span: Span, _parentContext: Context): void {
    // Only finished spans are recorded: their duration and status are known.
  }

  onEnd(span: ReadableSpan): void {
    const spanContext = span.spanContext();
    let recorded = this.traces.get(spanContext.traceId);
    if (recorded === undefined) {
      if (this.traces.size >= this.options.traceCountMax) {
        const oldestTraceId = this.traces.keys().next().value;
        if (oldestTraceId !== undefined) {
          this.traces.delete(oldestTraceId);
        }
      }
      recorded = { spans: [], droppedSpanCount: 0 };
      this.traces.set(spanContext.traceId, recorded);
    }
    if (recorded.spans.length >= this.options.spanCountPerTraceMax) {
      recorded.droppedSpanCount += 1;
      return;
    }
    recorded.spans.push(toRecordedSpan(span));
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.traces.clear();
    return Promise.resolve();
  }

  /** Trace ids currently kept, oldest first. */
  traceIds(): string[] {
    return [...this.traces.keys()];
  }

  spans(traceId: string): readonly RecordedSpan[] {
    return this.traces.get(traceId)?.spans ?? [];
  }

  timeline(traceId: string): TraceTimeline | undefined {
    const recorded = this.traces.get(traceId);
    if (recorded === undefined || recorded.spans.length === 0) {
      return undefined;
    }
    return buildTimeline(traceId, recorded.spans, recorded.droppedSpanCount);
  }
}

function toRecordedSpan(span: ReadableSpan): RecordedSpan {
  const attributes: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(span.attributes).slice(0, ATTRIBUTE_COUNT_MAX)) {
    if (typeof value === 'string') {
      attributes[key] = scrubText(value);
    } else if (typeof value === 'number' || typeof value === 'boolean') {
      attributes[key] = value;
    }
  }
  // In a process hosting several services the span names its own; else the process's resource.
  const hosted = span.attributes[HOSTED_SERVICE_ATTRIBUTE];
  const service = typeof hosted === 'string' ? hosted : span.resource.attributes['service.name'];
  return {
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    name: scrubText(span.name),
    kind: KIND_NAMES[span.kind],
    service: typeof service === 'string' ? service : 'unknown',
    startedAtMs: hrTimeToMilliseconds(span.startTime),
    durationMs: hrTimeToMilliseconds(span.duration),
    status:
      span.status.code === SpanStatusCode.ERROR
        ? 'error'
        : span.status.code === SpanStatusCode.OK
          ? 'ok'
          : 'unset',
    attributes,
  };
}

function buildTimeline(
  traceId: string,
  spans: readonly RecordedSpan[],
  droppedSpanCount: number,
): TraceTimeline {
  const byStart = [...spans].sort((left, right) => left.startedAtMs - right.startedAtMs);
  const recordedIds = new Set(byStart.map((span) => span.spanId));
  const children = new Map<string, RecordedSpan[]>();
  const roots: RecordedSpan[] = [];
  for (const span of byStart) {
    if (span.parentSpanId !== undefined && recordedIds.has(span.parentSpanId)) {
      const siblings = children.get(span.parentSpanId) ?? [];
      siblings.push(span);
      children.set(span.parentSpanId, siblings);
    } else {
      roots.push(span);
    }
  }
  const firstStartMs = byStart[0].startedAtMs;
  const lastEndMs = Math.max(...byStart.map((span) => span.startedAtMs + span.durationMs));
  const entries: TimelineEntry[] = [];
  // Depth-first, iterative; each span is visited once because span ids are unique per trace.
  const pending: { span: RecordedSpan; depth: number }[] = roots
    .map((span) => ({ span, depth: 0 }))
    .reverse();
  while (pending.length > 0 && entries.length < spans.length) {
    const { span, depth } = pending.pop()!;
    entries.push({ ...span, depth, offsetMs: span.startedAtMs - firstStartMs });
    const next = children.get(span.spanId) ?? [];
    for (let index = next.length - 1; index >= 0; index -= 1) {
      pending.push({ span: next[index], depth: depth + 1 });
    }
  }
  return { traceId, entries, durationMs: lastEndMs - firstStartMs, droppedSpanCount };
}

/**
 * A text timeline in the spirit of Phosphor's trace view:
 *
 * ```
 * trace 4bf9… 3 spans, 12.4 ms
 *     +0.0 ms   12.4 ms  card-gateway   server  /corebank.authorization.v1.Authorization/Authorize
 *     +1.1 ms    6.0 ms  authorization    client  /corebank.ledger.v1.Ledger/PlaceHold
 * ```
 */
export function formatTimeline(timeline: TraceTimeline): string {
  const header =
    `trace ${timeline.traceId} ${timeline.entries.length} spans, ` +
    `${timeline.durationMs.toFixed(1)} ms` +
    (timeline.droppedSpanCount > 0 ? ` (${timeline.droppedSpanCount} dropped)` : '');
  const serviceWidth = Math.max(...timeline.entries.map((entry) => entry.service.length));
  const lines = timeline.entries.map((entry) => {
    const offset = `+${entry.offsetMs.toFixed(1)} ms`.padStart(11);
    const duration = `${entry.durationMs.toFixed(1)} ms`.padStart(10);
    const marker = entry.status === 'error' ? ' ERROR' : '';
    return (
      `${offset} ${duration}  ${entry.service.padEnd(serviceWidth)}  ` +
      `${'  '.repeat(entry.depth)}${entry.kind.padEnd(8)} ${entry.name}${marker}`
    );
  });
  return [header, ...lines].join('\n');
}
