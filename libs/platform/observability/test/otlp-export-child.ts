/**
 * Run by tracing-otlp.int-spec.ts in a child Node process (`node -r @swc-node/register`): the
 * OTLP exporter loads `http` with a dynamic import(), which jest's CommonJS sandbox refuses, so
 * the export is exercised in a plain Node process, as in production.
 *
 * Usage: otlp-export-child.ts <collector traces url>; prints `{"traceId": "..."}` once exported.
 */
import { initTracing } from '../src';

async function main(collectorUrl: string): Promise<void> {
  const tracing = initTracing({
    serviceName: 'ledger',
    recorder: false,
    otlp: {
      url: collectorUrl,
      exportTimeoutMs: 5_000,
      queueSizeMax: 100,
      batchSizeMax: 10,
      // Long enough that only forceFlush() can have sent the batch.
      batchDelayMs: 60_000,
    },
  });
  const span = tracing.tracer().startSpan('post transfer');
  span.end();
  await tracing.forceFlush();
  await tracing.shutdown();
  process.stdout.write(`${JSON.stringify({ traceId: span.spanContext().traceId })}\n`);
}

const collectorUrl = process.argv[2];
if (collectorUrl === undefined) {
  process.stderr.write('usage: otlp-export-child.ts <collector traces url>\n');
  process.exit(2);
}
main(collectorUrl).catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
