import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  BANK_EXIT_TIMEOUT_MS,
  BANK_READY_TIMEOUT_MS,
  corebank,
  field,
  type RunningBankProcess,
  startBankProcess,
  stopBankProcess,
} from './testing/bank-process';

/**
 * The bank as a person runs it: `main.ts` in a child process on ephemeral ports with a temp data
 * directory, and the `corebank` CLI (bin/corebank.js) as separate child processes against it.
 */
describe('the bank in one process, driven by the corebank CLI', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'corebank-bank-'));
  let bank: RunningBankProcess | undefined;

  const running = (): RunningBankProcess => {
    if (bank === undefined) {
      throw new Error('bank not started');
    }
    return bank;
  };

  beforeAll(async () => {
    bank = await startBankProcess(dataDir, process.env);
  }, BANK_READY_TIMEOUT_MS + 5_000);

  afterAll(async () => {
    if (bank !== undefined && bank.child.exitCode === null) {
      await stopBankProcess(bank).catch(() => bank?.child.kill('SIGKILL'));
    }
    rmSync(dataDir, { recursive: true, force: true });
  }, BANK_EXIT_TIMEOUT_MS + 5_000);

  it('starts every service and seeds a funded demo customer on the first start', async () => {
    const { ready } = running();
    expect(ready.services).toEqual(
      expect.arrayContaining([
        'ledger',
        'authorization',
        'card-gateway',
        'merchant-enrichment',
        'feed',
        'notifications',
      ]),
    );
    expect(ready.demoSeededNow).toBe(true);
    const balance = await corebank(running(), ['account', 'balance', ready.demoAccountId]);
    expect(balance.exitCode).toBe(0);
    expect(balance.json).toMatchObject({
      currency: 'GBP',
      ledger: '1000.00',
      available: '1000.00',
    });
  }, 60_000);

  it('opens, funds, issues, pays (approved 00, balances move), settles, and declines a frozen card with 62', async () => {
    const opened = await corebank(running(), ['account', 'open', '--currency', 'GBP']);
    expect(opened.exitCode).toBe(0);
    const accountId = String(opened.json['accountId']);
    const funded = await corebank(running(), ['account', 'fund', accountId, '100.00']);
    expect(field(funded.json, 'balance', 'ledger')).toBe('100.00');
    const token = String(Date.now() % 1_000_000_000).padStart(9, '1');
    const issued = await corebank(running(), ['card', 'issue', accountId, '--token', token]);
    expect(issued.json).toMatchObject({ cardToken: token, accountId, status: 'active' });

    const paid = await corebank(running(), ['pay', token, '12.50', '--merchant', 'Corner Shop']);
    expect(paid.exitCode).toBe(0);
    expect(field(paid.json, 'authorization', 'responseStatus')).toBe('00');
    expect(field(paid.json, 'balance')).toMatchObject({ ledger: '100.00', available: '87.50' });

    const settled = await corebank(running(), ['pay', token, '2.50', '--settle']);
    expect(field(settled.json, 'authorization', 'responseStatus')).toBe('00');
    expect(field(settled.json, 'settlement', 'acknowledged')).toBe(true);
    expect(field(settled.json, 'balance')).toMatchObject({ ledger: '97.50', available: '85.00' });

    const reversed = await corebank(running(), ['pay', token, '5.00', '--reverse']);
    expect(field(reversed.json, 'reversal', 'acknowledged')).toBe(true);
    expect(field(reversed.json, 'balance')).toMatchObject({ ledger: '97.50', available: '85.00' });

    const frozen = await corebank(running(), ['card', 'freeze', token]);
    expect(frozen.json).toMatchObject({ status: 'frozen' });
    const declined = await corebank(running(), ['pay', token, '1.00']);
    expect(field(declined.json, 'authorization', 'responseStatus')).toBe('62');
    expect(field(declined.json, 'balance')).toMatchObject({ ledger: '97.50', available: '85.00' });

    await corebank(running(), ['card', 'unfreeze', token]);
    const afterUnfreeze = await corebank(running(), ['pay', token, '1.00']);
    expect(field(afterUnfreeze.json, 'authorization', 'responseStatus')).toBe('00');
    expect(field(afterUnfreeze.json, 'balance', 'available')).toBe('84.00');
  }, 90_000);

  it("shows a payment on the demo card in the demo customer's feed (authorization → bus → enrichment → feed)", async () => {
    const { ready } = running();
    const { transactions, bearerToken } = ready.demoAccess;
    expect(transactions).toBeDefined();
    const paid = await corebank(running(), [
      'pay',
      ready.demoCardToken,
      '7.77',
      '--merchant',
      'Pret A Manger',
      '--mcc',
      '5812',
    ]);
    expect(field(paid.json, 'authorization', 'responseStatus')).toBe('00');
    // The feed is eventually consistent with the decision: poll, bounded.
    const deadlineMs = Date.now() + 20_000;
    let items: readonly Record<string, unknown>[] = [];
    while (Date.now() < deadlineMs) {
      const response = await fetch(String(transactions), {
        headers: { authorization: `Bearer ${String(bearerToken)}` },
        signal: AbortSignal.timeout(5_000),
      });
      expect(response.status).toBe(200);
      items = ((await response.json()) as { transactions: Record<string, unknown>[] }).transactions;
      if (items.some((item) => item['amount'] === -777)) {
        break;
      }
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 200));
    }
    expect(items).toContainEqual(
      expect.objectContaining({ amount: -777, currency: 'GBP', account_id: ready.demoAccountId }),
    );
    const unauthenticated = await fetch(String(transactions), {
      signal: AbortSignal.timeout(5_000),
    });
    expect(unauthenticated.status).toBe(401);
  }, 60_000);

  it('lets the demo customer list its webhooks on notifications with the one printed token', async () => {
    const { ready } = running();
    const { notificationsApi, bearerToken } = ready.demoAccess;
    expect(Object.keys(ready.demoAccess).filter((key) => /token/i.test(key))).toEqual([
      'bearerToken',
    ]);
    const url = `${String(notificationsApi)}/webhooks?account_id=${ready.demoAccountId}`;
    const listed = await fetch(url, {
      headers: { authorization: `Bearer ${String(bearerToken)}` },
      signal: AbortSignal.timeout(5_000),
    });
    expect(listed.status).toBe(200);
    const [header, payload, signature = ''] = String(bearerToken).split('.');
    const tampered = `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    const refused = await fetch(url, {
      headers: { authorization: `Bearer ${tampered}` },
      signal: AbortSignal.timeout(5_000),
    });
    expect(refused.status).toBe(401);
  }, 30_000);

  it('sends a bounded load burst with a progress bar on stderr and a summary on stdout', async () => {
    const { ready } = running();
    const result = await corebank(running(), [
      'load',
      '--count',
      '6',
      '--rate',
      '20',
      '--card',
      ready.demoCardToken,
      '--amount',
      '0.10',
      '--reverse',
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.json).toMatchObject({ sent: 6, failed: 0 });
    const statuses = result.json['responseStatuses'] as Record<string, number>;
    expect(Object.values(statuses).reduce((total, count) => total + count, 0)).toBe(6);
    expect(result.stderr).toContain('100% 6/6');
  }, 60_000);

  it('refuses a malformed amount as a usage error without sending anything', async () => {
    const result = await corebank(running(), ['pay', running().ready.demoCardToken, '12.5.0']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('amount must be positive');
  }, 30_000);

  it('stops on SIGINT and restarts on the same data without seeding the demo again', async () => {
    const first = running();
    expect(await stopBankProcess(first)).toBe(0);
    expect(first.output()).toContain('bank: stopped\n');
    bank = await startBankProcess(dataDir, process.env);
    expect(bank.ready.demoSeededNow).toBe(false);
    expect(bank.ready.demoAccountId).toBe(first.ready.demoAccountId);
    const balance = await corebank(bank, ['account', 'balance', bank.ready.demoAccountId]);
    expect(balance.json).toMatchObject({ ledger: '1000.00' });
    expect(await stopBankProcess(bank)).toBe(0);
  }, 120_000);
});
