/**
 * CPU per unary call of this lib (RpcServer + createRpcClient) against bare @grpc/grpc-js (a
 * Server and the generated client, same proto, same trivial handler, a deadline on every call).
 * The server runs in a child process and reports its own process.cpuUsage(); the client is this
 * process, which does nothing else while measuring. Each round sends CALL_COUNT calls with
 * CONCURRENCY outstanding; the medians over ROUND_COUNT rounds are printed, one JSON line per
 * pairing, in microseconds per call and side.
 *
 *   node -r @swc-node/register libs/platform/rpc/scripts/measure-rpc-cpu.ts [--tracing]
 *
 * `--tracing` registers an always-sampling OpenTelemetry tracer provider (in-memory exporter) in
 * both processes, as the services do when tracing is on. Not a test: it asserts nothing.
 */
import { fork, type ChildProcess } from 'node:child_process';

import {
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  type sendUnaryData,
  type ServerUnaryCall,
} from '@grpc/grpc-js';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

import {
  ProbeServiceClient,
  ProbeServiceService,
  type ProbeRequest,
  type ProbeResponse,
} from '../test/generated/probe';
import { createRpcClient, RpcServer } from '../src';

const CALL_COUNT = 4_000;
const WARM_UP_CALL_COUNT = 2_000;
const CONCURRENCY = 16;
const ROUND_COUNT = 5;
const CALL_TIMEOUT_MS = 1_000;

type Side = 'ours' | 'bare';
type ChildCommand = { kind: 'cpu_start' } | { kind: 'cpu_stop' };
type ChildReport = { kind: 'listening'; port: number } | { kind: 'cpu'; micros: number };

const REQUEST: ProbeRequest = { text: 'measure', amountMinor: 12_345n };
const RESPONSE: ProbeResponse = {
  text: 'measured',
  amountMinor: 12_345n,
  remainingMs: -1n,
  traceparent: '',
  servedBy: 'measure',
};

/** Spans are kept in memory and dropped each round, so the cost of recording them is counted. */
function registerTracing(): InMemorySpanExporter {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.register({ contextManager: new AsyncLocalStorageContextManager() });
  return exporter;
}

async function serve(side: Side): Promise<number> {
  if (side === 'ours') {
    const server = new RpcServer();
    server.addService(ProbeServiceService, {
      probe: () => Promise.resolve(RESPONSE),
      relay: () => Promise.resolve(RESPONSE),
    });
    return server.listen('127.0.0.1', 0);
  }
  const server = new Server();
  const answer = (
    _call: ServerUnaryCall<ProbeRequest, ProbeResponse>,
    callback: sendUnaryData<ProbeResponse>,
  ): void => callback(null, RESPONSE);
  server.addService(ProbeServiceService, { probe: answer, relay: answer });
  return new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) =>
      error === null ? resolve(port) : reject(error),
    ),
  );
}

async function childMain(side: Side, tracing: boolean): Promise<void> {
  const exporter = tracing ? registerTracing() : undefined;
  const port = await serve(side);
  let started = process.cpuUsage();
  process.on('message', (command: ChildCommand) => {
    if (command.kind === 'cpu_start') {
      exporter?.reset();
      started = process.cpuUsage();
      return;
    }
    const used = process.cpuUsage(started);
    process.send?.({ kind: 'cpu', micros: used.user + used.system } satisfies ChildReport);
  });
  // Ends with the parent: the IPC channel closing is the signal.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ kind: 'listening', port } satisfies ChildReport);
}

function nextReport(child: ChildProcess): Promise<ChildReport> {
  return new Promise((resolve) => child.once('message', (report: ChildReport) => resolve(report)));
}

type CallOnce = () => Promise<void>;

function callerFor(side: Side, address: string): { callOnce: CallOnce; close: () => void } {
  if (side === 'ours') {
    const client = createRpcClient(ProbeServiceClient, {
      address,
      defaultTimeoutMs: CALL_TIMEOUT_MS,
      breaker: process.argv.includes('--no-breaker') ? false : undefined,
    });
    return {
      callOnce: async () => {
        await client.call('probe', REQUEST);
      },
      close: () => client.close(),
    };
  }
  const client = new ProbeServiceClient(address, credentials.createInsecure());
  return {
    callOnce: () =>
      new Promise<void>((resolve, reject) => {
        client.probe(
          REQUEST,
          new Metadata(),
          { deadline: Date.now() + CALL_TIMEOUT_MS },
          (error) => (error === null ? resolve() : reject(error)),
        );
      }),
    close: () => client.close(),
  };
}

async function run(callOnce: CallOnce, callCount: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < callCount) {
      next += 1;
      await callOnce();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, () => worker()));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)];
}

async function measurePairing(
  clientSide: Side,
  serverSide: Side,
  tracing: boolean,
  exporter: InMemorySpanExporter | undefined,
): Promise<{ clientMicros: number; serverMicros: number }> {
  const child = fork(__filename, ['server', serverSide, tracing ? 'tracing' : 'no-tracing'], {
    execArgv: ['-r', '@swc-node/register'],
  });
  const caller = { close: (): void => undefined };
  try {
    const listening = await nextReport(child);
    if (listening.kind !== 'listening') {
      throw new Error('server child did not report its port');
    }
    const { callOnce, close } = callerFor(clientSide, `127.0.0.1:${listening.port}`);
    caller.close = close;
    await run(callOnce, WARM_UP_CALL_COUNT);
    const clientMicros: number[] = [];
    const serverMicros: number[] = [];
    for (let round = 0; round < ROUND_COUNT; round += 1) {
      exporter?.reset();
      child.send({ kind: 'cpu_start' } satisfies ChildCommand);
      const startedAt = process.cpuUsage();
      await run(callOnce, CALL_COUNT);
      const used = process.cpuUsage(startedAt);
      const serverReport = nextReport(child);
      child.send({ kind: 'cpu_stop' } satisfies ChildCommand);
      const report = await serverReport;
      if (report.kind !== 'cpu') {
        throw new Error('server child did not report its CPU');
      }
      clientMicros.push((used.user + used.system) / CALL_COUNT);
      serverMicros.push(report.micros / CALL_COUNT);
    }
    return { clientMicros: median(clientMicros), serverMicros: median(serverMicros) };
  } finally {
    caller.close();
    child.disconnect();
  }
}

async function main(): Promise<void> {
  const [role, side = 'ours', tracingArgument = ''] = process.argv.slice(2);
  if (role === 'server') {
    await childMain(side === 'bare' ? 'bare' : 'ours', tracingArgument === 'tracing');
    return;
  }
  const tracing = process.argv.includes('--tracing');
  const exporter = tracing ? registerTracing() : undefined;
  const pairings: readonly [Side, Side][] = [
    ['bare', 'bare'],
    ['ours', 'ours'],
  ];
  const results = new Map<string, { clientMicros: number; serverMicros: number }>();
  for (const [clientSide, serverSide] of pairings) {
    const result = await measurePairing(clientSide, serverSide, tracing, exporter);
    results.set(`${clientSide}/${serverSide}`, result);
    process.stdout.write(
      `${JSON.stringify({
        client: clientSide,
        server: serverSide,
        tracing,
        calls: CALL_COUNT,
        rounds: ROUND_COUNT,
        concurrency: CONCURRENCY,
        clientCpuMicrosPerCall: Math.round(result.clientMicros),
        serverCpuMicrosPerCall: Math.round(result.serverMicros),
      })}\n`,
    );
  }
  const bare = results.get('bare/bare');
  const ours = results.get('ours/ours');
  if (bare !== undefined && ours !== undefined) {
    process.stdout.write(
      `${JSON.stringify({
        clientOverheadMicrosPerCall: Math.round(ours.clientMicros - bare.clientMicros),
        serverOverheadMicrosPerCall: Math.round(ours.serverMicros - bare.serverMicros),
        clientRatio: Number((ours.clientMicros / bare.clientMicros).toFixed(2)),
        serverRatio: Number((ours.serverMicros / bare.serverMicros).toFixed(2)),
      })}\n`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
