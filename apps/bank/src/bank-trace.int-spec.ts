import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  BANK_EXIT_TIMEOUT_MS,
  BANK_READY_TIMEOUT_MS,
  corebank,
  corebankText,
  field,
  pollUntil,
  type RunningBankProcess,
  startBankProcess,
  stopBankProcess,
} from './testing/bank-process';

const SERVICES = [
  'ledger',
  'authorization',
  'card-gateway',
  'merchant-enrichment',
  'feed',
  'notifications',
];

/** The JSON log lines of the bank's output (the banner lines are plain text). */
function logLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{"level"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * One process, one span recorder: a payment's spans from every service are on any ops port's
 * /traces, `corebank pay` names the trace and `corebank trace` draws it; and each service's log
 * lines carry that service's name, not the last one to start.
 */
describe('the bank traces a payment across its services and labels each log line', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'corebank-bank-trace-'));
  let bank: RunningBankProcess | undefined;

  beforeAll(async () => {
    bank = await startBankProcess(dataDir, process.env, { LOG_LEVEL: 'info' });
  }, BANK_READY_TIMEOUT_MS + 5_000);

  afterAll(async () => {
    if (bank !== undefined) {
      await stopBankProcess(bank).catch(() => bank?.child.kill('SIGKILL'));
    }
    rmSync(dataDir, { recursive: true, force: true });
  }, BANK_EXIT_TIMEOUT_MS + 5_000);

  const running = (): RunningBankProcess => {
    if (bank === undefined) {
      throw new Error('bank not started');
    }
    return bank;
  };

  it('writes every Nest start-up line under the service that started, one set per service', () => {
    const started = logLines(running().output()).filter(
      (line) => line['msg'] === 'AppModule dependencies initialized',
    );
    expect(started.map((line) => line['service']).sort()).toEqual([...SERVICES].sort());
  });

  it('prints the trace id of a payment, whose timeline spans every service of the card path', async () => {
    const { ready } = running();
    const paid = await corebank(running(), ['pay', ready.demoCardToken, '2.22']);
    expect(field(paid.json, 'authorization', 'responseStatus')).toBe('00');
    const traceId = String(paid.json['traceId']);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    // The bus consumers finish after the SOAP reply: poll the timeline, bounded.
    const timeline = await pollUntil(
      () => corebankText(running(), ['trace', traceId]),
      (result) => SERVICES.every((service) => result.stdout.includes(` ${service} `)),
      20_000,
      300,
    );
    expect(timeline.exitCode).toBe(0);
    const lines = timeline.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^trace ${traceId}  \\d+ spans over 6 services`));
    const rows = lines.slice(2);
    // The root's bar starts at 0; consumers may end after it, so it need not fill the width.
    expect(rows[0]).toMatch(
      /^\s+\+0\.0\s+[\d.]+\s+card-gateway\s+internal card-gateway\.process_card_message\s+\|█+ *\|$/,
    );
    for (const service of SERVICES) {
      expect(rows.some((row) => row.includes(` ${service} `))).toBe(true);
    }
    expect(rows.some((row) => /ledger\s+server \/corebank\.ledger\.v1\./.test(row))).toBe(true);
    expect(rows.some((row) => /merchant-enrichment\s+consumer /.test(row))).toBe(true);
    // Every service's ops port serves the same process-wide recorder.
    const viaLedger = await corebankText(running(), ['trace', traceId], {
      COREBANK_OPS_URL: String(ready.opsUrls['ledger']),
    });
    expect(viaLedger.stdout.split('\n')[0]).toBe(lines[0]);

    // The child's log lines reach this process through a pipe, maybe after the trace: poll.
    const enriched = await pollUntil(
      () =>
        Promise.resolve(
          logLines(running().output()).filter(
            (line) => line['msg'] === 'transaction enriched' && line['trace_id'] === traceId,
          ),
        ),
      (found) => found.length > 0,
      10_000,
    );
    expect(enriched.map((line) => line['service'])).toEqual(['merchant-enrichment']);
  }, 60_000);

  it('finds the last payment trace, and refuses an id that is not a trace id', async () => {
    const last = await corebankText(running(), ['trace', 'last']);
    expect(last.exitCode).toBe(0);
    expect(last.stdout).toContain('card-gateway.process_card_message');
    const refused = await corebankText(running(), ['trace', 'TX-123']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('trace needs a trace id');
  }, 30_000);
});
