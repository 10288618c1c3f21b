import { Agent, request } from 'node:http';

/** Outcome of one load run against one endpoint. */
export interface LoadResult {
  readonly label: string;
  readonly sent: number;
  readonly completed: number;
  /** Transport errors, non-200 replies and replies that are not an approval. */
  readonly errors: number;
  /** Replies with Responsestatus 91: the gateway's deadline fired. */
  readonly missedDeadlines: number;
  readonly durationSeconds: number;
  readonly latenciesMs: Float64Array;
}

export interface Target {
  readonly port: number;
  readonly agent: Agent;
}

/** Requests allowed to wait for a connection at once; past it a send counts as an error. */
const OUTSTANDING_MAX = 20_000;
const REQUEST_TIMEOUT_MS = 10_000;

function post(target: Target, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port: target.port,
        method: 'POST',
        path: '/ehi',
        agent: target.agent,
        timeout: REQUEST_TIMEOUT_MS,
        headers: {
          'content-type': 'text/xml; charset=utf-8',
          soapaction: '"http://tempuri.org/IEndpointVersion52/GetTransaction"',
          'content-length': String(Buffer.byteLength(body)),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('request timed out')));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function classify(reply: { status: number; body: string }): 'ok' | 'missed' | 'error' {
  if (reply.status !== 200) {
    return 'error';
  }
  const status = /<(?:\w+:)?Responsestatus>(\d\d)</.exec(reply.body)?.[1];
  return status === '00' ? 'ok' : status === '91' ? 'missed' : 'error';
}

class Recorder {
  completed = 0;
  errors = 0;
  missedDeadlines = 0;
  outstanding = 0;
  readonly latenciesMs: number[] = [];

  async send(target: Target, body: string, scheduledAt: number): Promise<void> {
    if (this.outstanding >= OUTSTANDING_MAX) {
      this.errors += 1;
      return;
    }
    this.outstanding += 1;
    try {
      const outcome = classify(await post(target, body));
      this.latenciesMs.push(performance.now() - scheduledAt);
      this.completed += 1;
      if (outcome === 'missed') {
        this.missedDeadlines += 1;
      } else if (outcome === 'error') {
        this.errors += 1;
      }
    } catch {
      this.errors += 1;
    } finally {
      this.outstanding -= 1;
    }
  }
}

/**
 * Open loop: request i is due at start + i / rate, whatever happened to earlier ones, and its
 * latency is measured from that due time, so a stall shows up as latency instead of being
 * hidden by a slower send rate (coordinated omission).
 */
export async function runOpenLoop(
  label: string,
  target: Target,
  ratePerSecond: number,
  durationSeconds: number,
  nextMessage: () => string,
): Promise<LoadResult> {
  const total = Math.round(ratePerSecond * durationSeconds);
  const intervalMs = 1000 / ratePerSecond;
  const recorder = new Recorder();
  const pending: Promise<void>[] = [];
  const startedAt = performance.now();
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next < total && startedAt + next * intervalMs <= now) {
        pending.push(recorder.send(target, nextMessage(), startedAt + next * intervalMs));
        next += 1;
      }
      if (next >= total) {
        resolve();
        return;
      }
      const wait = startedAt + next * intervalMs - performance.now();
      setTimeout(tick, Math.max(0, wait));
    };
    tick();
  });
  await Promise.all(pending);
  return {
    label,
    sent: total,
    completed: recorder.completed,
    errors: recorder.errors,
    missedDeadlines: recorder.missedDeadlines,
    durationSeconds: (performance.now() - startedAt) / 1000,
    latenciesMs: Float64Array.from(recorder.latenciesMs),
  };
}

/** Closed loop at `concurrency` outstanding requests for the duration: the saturation rate. */
export async function runSaturation(
  label: string,
  target: Target,
  concurrency: number,
  durationSeconds: number,
  nextMessage: () => string,
): Promise<LoadResult> {
  const recorder = new Recorder();
  const startedAt = performance.now();
  const endsAt = startedAt + durationSeconds * 1000;
  let sent = 0;
  const worker = async () => {
    while (performance.now() < endsAt) {
      sent += 1;
      await recorder.send(target, nextMessage(), performance.now());
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return {
    label,
    sent,
    completed: recorder.completed,
    errors: recorder.errors,
    missedDeadlines: recorder.missedDeadlines,
    durationSeconds: (performance.now() - startedAt) / 1000,
    latenciesMs: Float64Array.from(recorder.latenciesMs),
  };
}

export function percentile(sortedMs: Float64Array, fraction: number): number {
  if (sortedMs.length === 0) {
    return Number.NaN;
  }
  const index = Math.min(sortedMs.length - 1, Math.ceil(fraction * sortedMs.length) - 1);
  return sortedMs[Math.max(0, index)] ?? Number.NaN;
}

export function summarize(result: LoadResult): Record<string, string | number> {
  const sorted = Float64Array.from(result.latenciesMs).sort();
  return {
    case: result.label,
    sent: result.sent,
    completed: result.completed,
    'throughput/s': Math.round(result.completed / result.durationSeconds),
    // Answers that were decisions (00): a fast 91 or error is an answer, not throughput.
    'decided/s': Math.round(
      (result.completed - result.missedDeadlines - result.errors) / result.durationSeconds,
    ),
    'p50 ms': Number(percentile(sorted, 0.5).toFixed(2)),
    'p99 ms': Number(percentile(sorted, 0.99).toFixed(2)),
    'p99.9 ms': Number(percentile(sorted, 0.999).toFixed(2)),
    errors: result.errors,
    '91s': result.missedDeadlines,
  };
}
