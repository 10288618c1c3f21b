/**
 * Authorize benchmark (issue 4, CARD-PROCESSOR.md A35): realistic decide messages through the
 * card-gateway, with authorization and ledger behind it, all as child processes; the same load
 * against a bare soap-package server serving the same WSDL with a constant answer. Not part of
 * the test suite; asserts nothing. See README.md.
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';

import { type AcceptanceCard, CardPathServices } from '../../acceptance/support/card-path-services';
import { startChildScript } from '../../acceptance/support/child-service';
import {
  getTransactionEnvelope,
  PURCHASE_AUTHORIZATION_FIELDS,
} from '../../acceptance/support/get-transaction-envelope';
import {
  type LoadResult,
  runOpenLoop,
  runSaturation,
  summarize,
  type Target,
} from './load-generator';

/** Seconds per case (each rate, each target, saturation); BENCH_AUTHORIZE_DURATION_S is the old name. */
const DURATION_SECONDS = Number(
  process.env['BENCH_AUTHORIZE_SECONDS_PER_CASE'] ??
    process.env['BENCH_AUTHORIZE_DURATION_S'] ??
    '30',
);
const RATES = (process.env['BENCH_AUTHORIZE_RATES'] ?? '200,500,1000').split(',').map(Number);
const CARD_COUNT = Number(process.env['BENCH_AUTHORIZE_CARDS'] ?? '1000');
const SATURATION_CONCURRENCY = Number(
  process.env['BENCH_AUTHORIZE_SATURATION_CONCURRENCY'] ?? '32',
);
/** The gateway's production budget (§7) unless overridden. */
const DEADLINE_BUDGET_MS = Number(process.env['BENCH_AUTHORIZE_DEADLINE_BUDGET_MS'] ?? '80');
const CONNECTIONS = 4;
const SETUP_CONCURRENCY = 16;
const WARM_UP_SECONDS = 3;
const FUNDING_MINOR = 100_000_000n;
const MCCS = ['5411', '5812', '5999', '4111', '5541', '5732'];
/** Issue 4's goal: p99 at this rate, with zero errors and zero missed deadlines. */
const GOAL_RATE = 500;
const GOAL_P99_MS = 10;
const GOAL_SATURATION_RATIO = 0.5;
/** Kernel clock ticks per second (USER_HZ), 100 on Linux. */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU milliseconds (user + system) a process has used so far, from /proc/<pid>/stat. */
function cpuMillisOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

interface CpuProbe {
  readonly label: string;
  readonly pid: number;
}

/** Runs a case and adds the CPU µs per completed message of each probed process to its row. */
async function withCpu(
  probes: readonly CpuProbe[],
  runCase: () => Promise<LoadResult>,
): Promise<Record<string, string | number>> {
  const before = probes.map((probe) => cpuMillisOf(probe.pid));
  const result = await runCase();
  const row = summarize(result);
  probes.forEach((probe, index) => {
    const usedMs = cpuMillisOf(probe.pid) - (before[index] ?? 0);
    row[`${probe.label} cpu µs/msg`] =
      result.completed === 0 ? Number.NaN : Math.round((usedMs * 1000) / result.completed);
  });
  return row;
}

/** Deterministic so runs see the same amounts and cards (xorshift32). */
function randomSource(seed: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4_294_967_296;
  };
}

/** One envelope with markers, filled per message: building all 160 elements each time would
 * load the generator, which shares the 2 cores with the servers. */
function messageFactory(cards: readonly AcceptanceCard[]): () => string {
  const template = getTransactionEnvelope({
    ...PURCHASE_AUTHORIZATION_FIELDS,
    Token: '@TOKEN@',
    TXn_ID: '@TXNID@',
    traceid_lifecycle: 'VIS1-20261122-@TXNID@',
    Bill_Amt: '-@AMOUNT@',
    Txn_Amt: '@AMOUNT@',
    MCC_Code: '@MCC@',
  });
  const random = randomSource(0x5eed);
  let sequence = 0;
  const prefix = String(Date.now() % 1_000_000).padStart(6, '0');
  return () => {
    sequence += 1;
    const card = cards[Math.floor(random() * cards.length)];
    const pence = 100 + Math.floor(random() * 4900);
    const amount = `${Math.floor(pence / 100)}.${String(pence % 100).padStart(2, '0')}00`;
    const txnId = `${prefix}${String(sequence).padStart(9, '0')}`;
    return template
      .replace('@TOKEN@', card?.token ?? '999999999')
      .replaceAll('@TXNID@', txnId)
      .replaceAll('@AMOUNT@', amount)
      .replace('@MCC@', MCCS[sequence % MCCS.length] ?? '5999');
  };
}

async function issueCards(services: CardPathServices): Promise<AcceptanceCard[]> {
  const cards: AcceptanceCard[] = [];
  let next = 0;
  const worker = async () => {
    while (next < CARD_COUNT) {
      next += 1;
      cards.push(await services.openCard({ fundMinor: FUNDING_MINOR }));
    }
  };
  await Promise.all(Array.from({ length: SETUP_CONCURRENCY }, worker));
  return cards;
}

function target(port: number): Target {
  return { port, agent: new Agent({ keepAlive: true, maxSockets: CONNECTIONS }) };
}

async function main(): Promise<void> {
  const services = await CardPathServices.start({
    gatewayDeadlineBudgetMs: DEADLINE_BUDGET_MS,
    logLevel: 'warn',
  });
  const minimal = await startChildScript(
    'minimal-soap',
    'bench/authorize/minimal-soap-server.ts',
    {},
    'port',
  );
  try {
    process.stdout.write(`issuing ${CARD_COUNT} funded cards through CardService...\n`);
    const cards = await issueCards(services);
    const nextMessage = messageFactory(cards);
    const gateway = target(services.gateway.port);
    const bare = target(minimal.port);
    for (const warmUp of [gateway, bare]) {
      await runOpenLoop('warm-up', warmUp, 200, WARM_UP_SECONDS, nextMessage);
    }
    const gatewayProbes: CpuProbe[] = [
      { label: 'gateway', pid: services.gateway.pid },
      { label: 'authorization', pid: services.authorization.pid },
    ];
    const minimalProbes: CpuProbe[] = [{ label: 'minimal', pid: minimal.pid }];
    const cases = [
      ['gateway', gateway, gatewayProbes],
      ['minimal soap', bare, minimalProbes],
    ] as const;
    const rows: Record<string, string | number>[] = [];
    for (const rate of RATES) {
      for (const [name, endpoint, probes] of cases) {
        process.stdout.write(`${name} open loop ${rate}/s for ${DURATION_SECONDS}s...\n`);
        rows.push(
          await withCpu(probes, () =>
            runOpenLoop(`${name} ${rate}/s`, endpoint, rate, DURATION_SECONDS, nextMessage),
          ),
        );
      }
    }
    for (const [name, endpoint, probes] of cases) {
      process.stdout.write(`${name} saturation (${SATURATION_CONCURRENCY} outstanding)...\n`);
      rows.push(
        await withCpu(probes, () =>
          runSaturation(
            `${name} saturation`,
            endpoint,
            SATURATION_CONCURRENCY,
            DURATION_SECONDS,
            nextMessage,
          ),
        ),
      );
    }
    console.table(rows);
    const byCase = new Map(rows.map((row) => [row.case, row]));
    for (const rate of [...RATES.map((value) => `${value}/s`), 'saturation']) {
      const ours = byCase.get(`gateway ${rate}`);
      const theirs = byCase.get(`minimal soap ${rate}`);
      if (ours !== undefined && theirs !== undefined) {
        const ratio = (key: string) => (Number(ours[key]) / Number(theirs[key])).toFixed(2);
        process.stdout.write(
          `${rate}: gateway/minimal p99 ×${ratio('p99 ms')}, throughput ×${ratio('throughput/s')}\n`,
        );
      }
    }
    printGoal(byCase);
    gateway.agent.destroy();
    bare.agent.destroy();
  } finally {
    await minimal.stop();
    await services.stop();
    services.removeDirectory();
  }
}

/** The issue's goal, judged from this run's rows (a short or busy run is not a verdict). */
function printGoal(byCase: ReadonlyMap<unknown, Record<string, string | number>>): void {
  const atGoalRate = byCase.get(`gateway ${GOAL_RATE}/s`);
  if (atGoalRate !== undefined) {
    const met =
      Number(atGoalRate['p99 ms']) <= GOAL_P99_MS &&
      atGoalRate.errors === 0 &&
      atGoalRate['91s'] === 0;
    process.stdout.write(
      `goal ${GOAL_RATE}/s (p99 <= ${GOAL_P99_MS} ms, 0 errors, 0 missed deadlines): ` +
        `p99 ${atGoalRate['p99 ms']} ms, errors ${atGoalRate.errors}, missed ${atGoalRate['91s']} -> ${met ? 'met' : 'NOT met'}\n`,
    );
  }
  const ours = byCase.get('gateway saturation');
  const theirs = byCase.get('minimal soap saturation');
  if (ours !== undefined && theirs !== undefined) {
    // Decided answers only: a gateway shedding load with fast 91s must not look fast.
    const ratio = Number(ours['decided/s']) / Number(theirs['decided/s']);
    process.stdout.write(
      `saturation (decided answers): gateway ${ours['decided/s']}/s, minimal soap ${theirs['decided/s']}/s, ` +
        `ratio ${ratio.toFixed(2)} (goal >= ${GOAL_SATURATION_RATIO}) -> ${ratio >= GOAL_SATURATION_RATIO ? 'met' : 'NOT met'}\n`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
