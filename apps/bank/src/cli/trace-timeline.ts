import { z } from 'zod';

import { PlatformError } from '@corebank/platform-errors';

/**
 * `corebank trace`: reads the timelines the bank's services record (GET <ops>/traces and
 * /traces/<id>, JSON) and draws one the way Hailo's Phosphor did: one line per span, indented
 * under its parent, with its service, start offset, duration and a bar to scale.
 */
const timelineSchema = z.object({
  traceId: z.string(),
  durationMs: z.number(),
  droppedSpanCount: z.number(),
  entries: z.array(
    z.object({
      spanId: z.string(),
      parentSpanId: z.string().optional(),
      startedAtMs: z.number(),
      name: z.string(),
      kind: z.string(),
      service: z.string(),
      depth: z.number().int().min(0),
      offsetMs: z.number(),
      durationMs: z.number(),
      status: z.string(),
    }),
  ),
});

export type FetchedTimeline = z.infer<typeof timelineSchema>;

export const TRACE_ID_PATTERN = /^[0-9a-f]{32}$/;
/** The card-gateway's span around one processor message: the root of a payment's trace. */
export const PAYMENT_ROOT_SPAN = 'card-gateway.process_card_message';
/** New traces examined when looking for a payment's: a CLI call, not a scan of the recorder. */
const CANDIDATE_TRACES_MAX = 20;
const BAR_WIDTH = 40;
const NAME_WIDTH_MAX = 60;

function unavailable(opsUrl: string, error: unknown): PlatformError {
  return new PlatformError('unavailable.traces', `cannot read traces from ${opsUrl}`, {
    retryable: true,
    params: { reason: String(error) },
  });
}

/** Recent trace ids of the process behind `opsUrl`, most recent first. */
export async function fetchTraceIds(opsUrl: string, timeoutMs: number): Promise<string[]> {
  let body: unknown;
  try {
    const response = await fetch(`${opsUrl}/traces`, { signal: AbortSignal.timeout(timeoutMs) });
    body = await response.json();
  } catch (error) {
    throw unavailable(opsUrl, error);
  }
  return z.object({ traceIds: z.array(z.string()) }).parse(body).traceIds;
}

/** One trace's timeline, or undefined when that process recorded none of its spans. */
export async function fetchTimeline(
  opsUrl: string,
  traceId: string,
  timeoutMs: number,
): Promise<FetchedTimeline | undefined> {
  let response: Response;
  try {
    response = await fetch(`${opsUrl}/traces/${traceId}`, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw unavailable(opsUrl, error);
  }
  if (response.status === 404) {
    return undefined;
  }
  if (!response.ok) {
    throw unavailable(opsUrl, `HTTP ${response.status}`);
  }
  return timelineSchema.parse(await response.json());
}

/**
 * The payment traces among those recorded since `before` was listed, oldest first (a payment
 * with `--settle` makes two). The card-gateway does not continue a caller's trace, so the CLI
 * finds the payment's trace by its root span instead of choosing the trace id itself.
 */
export async function findPaymentTraces(
  opsUrl: string,
  before: ReadonlySet<string>,
  timeoutMs: number,
): Promise<string[]> {
  const candidates = (await fetchTraceIds(opsUrl, timeoutMs))
    .filter((traceId) => !before.has(traceId))
    .slice(0, CANDIDATE_TRACES_MAX);
  const payments: string[] = [];
  for (const traceId of candidates) {
    const timeline = await fetchTimeline(opsUrl, traceId, timeoutMs);
    if (timeline?.entries.some((entry) => entry.name === PAYMENT_ROOT_SPAN) === true) {
      payments.push(traceId);
    }
  }
  return payments.reverse();
}

type TimelineEntry = FetchedTimeline['entries'][number];

/**
 * One trace's spans from several processes' recorders (distributed mode: one per service; the
 * one-process bank answers the same from each), merged by span id and re-nested: parents before
 * children, siblings by start. Ops ports that do not answer are skipped; undefined when none
 * recorded the trace.
 *
 * @throws PlatformError `unavailable.traces` when no ops port answers at all.
 */
export async function fetchMergedTimeline(
  opsUrls: readonly string[],
  traceId: string,
  timeoutMs: number,
): Promise<FetchedTimeline | undefined> {
  const answers = await Promise.allSettled(
    opsUrls.map((opsUrl) => fetchTimeline(opsUrl, traceId, timeoutMs)),
  );
  if (answers.every((answer) => answer.status === 'rejected')) {
    throw answers[0]?.status === 'rejected'
      ? (answers[0].reason as Error)
      : unavailable(opsUrls.join(','), 'no ops URL');
  }
  const timelines = answers.flatMap((answer) =>
    answer.status === 'fulfilled' && answer.value !== undefined ? [answer.value] : [],
  );
  if (timelines.length === 0) {
    return undefined;
  }
  const spans = new Map<string, TimelineEntry>();
  for (const entry of timelines.flatMap((timeline) => timeline.entries)) {
    spans.set(entry.spanId, entry);
  }
  const byStart = [...spans.values()].sort((left, right) => left.startedAtMs - right.startedAtMs);
  const children = new Map<string, TimelineEntry[]>();
  const roots: TimelineEntry[] = [];
  for (const span of byStart) {
    const parent = span.parentSpanId;
    if (parent !== undefined && spans.has(parent)) {
      children.set(parent, [...(children.get(parent) ?? []), span]);
    } else {
      roots.push(span);
    }
  }
  const firstStartMs = byStart[0]?.startedAtMs ?? 0;
  const lastEndMs = Math.max(...byStart.map((span) => span.startedAtMs + span.durationMs));
  const entries: TimelineEntry[] = [];
  // Depth-first with an explicit stack; bounded by the span count (ids are unique).
  const pending = roots.map((span) => ({ span, depth: 0 })).reverse();
  while (pending.length > 0 && entries.length < byStart.length) {
    const next = pending.pop();
    if (next === undefined) {
      break;
    }
    entries.push({
      ...next.span,
      depth: next.depth,
      offsetMs: next.span.startedAtMs - firstStartMs,
    });
    const below = children.get(next.span.spanId) ?? [];
    for (let index = below.length - 1; index >= 0; index -= 1) {
      const child = below[index];
      if (child !== undefined) {
        pending.push({ span: child, depth: next.depth + 1 });
      }
    }
  }
  return {
    traceId,
    entries,
    durationMs: lastEndMs - firstStartMs,
    // The same span dropped by several recorders is counted by each: an upper bound.
    droppedSpanCount: Math.max(...timelines.map((timeline) => timeline.droppedSpanCount)),
  };
}

/** The most recent payment trace the process still holds, if any. */
export async function findLatestPaymentTrace(
  opsUrl: string,
  timeoutMs: number,
): Promise<string | undefined> {
  const [latest] = (await findPaymentTraces(opsUrl, new Set(), timeoutMs)).slice(-1);
  return latest;
}

function bar(offsetMs: number, durationMs: number, totalMs: number): string {
  const scale = totalMs > 0 ? BAR_WIDTH / totalMs : 0;
  const start = Math.min(BAR_WIDTH - 1, Math.floor(offsetMs * scale));
  const length = Math.max(1, Math.min(BAR_WIDTH - start, Math.round(durationMs * scale)));
  return `|${' '.repeat(start)}${'█'.repeat(length)}${' '.repeat(BAR_WIDTH - start - length)}|`;
}

/**
 * ```
 * trace 4bf9…  14 spans over 5 services, 23.1 ms
 *   +0.0    12.4  card-gateway   card-gateway.process_card_message   |██████████              |
 *   +1.1     6.0  authorization    client /corebank.ledger.v1...     | ████                   |
 * ```
 */
export function renderTimeline(timeline: FetchedTimeline): string {
  const services = new Set(timeline.entries.map((entry) => entry.service));
  const header =
    `trace ${timeline.traceId}  ${timeline.entries.length} spans over ${services.size} ` +
    `services, ${timeline.durationMs.toFixed(1)} ms` +
    (timeline.droppedSpanCount > 0 ? ` (${timeline.droppedSpanCount} spans dropped)` : '');
  const serviceWidth = Math.max(7, ...[...services].map((service) => service.length));
  const labels = timeline.entries.map((entry) => {
    const label = `${'  '.repeat(entry.depth)}${entry.kind} ${entry.name}`;
    return label.length > NAME_WIDTH_MAX ? `${label.slice(0, NAME_WIDTH_MAX - 1)}…` : label;
  });
  const labelWidth = Math.max(...labels.map((label) => label.length));
  const columns =
    `${'start ms'.padStart(9)} ${'took ms'.padStart(8)}  ${'service'.padEnd(serviceWidth)}  ` +
    `${'span'.padEnd(labelWidth)}  `;
  const lines = timeline.entries.map((entry, index) => {
    const error = entry.status === 'error' ? '  ERROR' : '';
    return (
      `${`+${entry.offsetMs.toFixed(1)}`.padStart(9)} ${entry.durationMs.toFixed(1).padStart(8)}  ` +
      `${entry.service.padEnd(serviceWidth)}  ${(labels[index] ?? '').padEnd(labelWidth)}  ` +
      `${bar(entry.offsetMs, entry.durationMs, timeline.durationMs)}${error}`
    );
  });
  return [header, columns, ...lines].join('\n');
}
