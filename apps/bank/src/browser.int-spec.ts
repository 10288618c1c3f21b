import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type Browser, chromium, type Page } from 'playwright-core';
import { z } from 'zod';

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
 * The customer web page in a real browser: Debian's Chromium (never a downloaded one), headless,
 * driven by playwright-core, against the bank in a child process. Payments go through the SOAP
 * endpoint with the `corebank pay` CLI; the page must show each one live (SSE through the bank's
 * one public port), move the balance, and freeze the card so the next payment is declined.
 */
const CHROMIUM_PATH = '/usr/bin/chromium';
/** Each thing the page must show, it shows within this (the feed is eventually consistent). */
const PAGE_WAIT_MS = 15_000;

const publicEndpointsSchema = z.object({
  publicUrl: z.string().url(),
  webAppUrl: z.string().url(),
});

if (!existsSync(CHROMIUM_PATH)) {
  // The test command installs Chromium on a fresh machine (apt-get install chromium).
  process.stdout.write(`browser.int-spec skipped: ${CHROMIUM_PATH} is not installed\n`);
}
const describeWithChromium = existsSync(CHROMIUM_PATH) ? describe : describe.skip;

describeWithChromium('the web page in Chromium, behind the bank’s one public port', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'corebank-browser-'));
  let bank: RunningBankProcess | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    bank = await startBankProcess(dataDir, process.env, {
      BANK_PUBLIC_PORT: '0',
      BANK_AUTHORIZATION_HTTP_PORT: '0',
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      // Root in a container has no user namespace for Chromium's sandbox.
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
      timeout: 30_000,
    });
  }, BANK_READY_TIMEOUT_MS + 35_000);

  afterAll(async () => {
    await browser?.close();
    if (bank !== undefined && bank.child.exitCode === null) {
      await stopBankProcess(bank).catch(() => bank?.child.kill('SIGKILL'));
    }
    rmSync(dataDir, { recursive: true, force: true });
  }, BANK_EXIT_TIMEOUT_MS + 10_000);

  function running(): RunningBankProcess {
    if (bank === undefined) {
      throw new Error('bank not started');
    }
    return bank;
  }

  function publicEndpoints(): z.infer<typeof publicEndpointsSchema> {
    const readyLine = running()
      .output()
      .split('\n')
      .find((line) => line.startsWith('{') && line.includes('"bank ready"'));
    return publicEndpointsSchema.parse(JSON.parse(readyLine ?? '{}'));
  }

  async function pay(amount: string): Promise<string> {
    const paid = await corebank(running(), ['pay', running().ready.demoCardToken, amount]);
    expect(paid.exitCode).not.toBeNull();
    return String(field(paid.json, 'authorization', 'responseStatus'));
  }

  /** Waits, bounded, until the element's whole text is exactly `text`. */
  async function waitForText(page: Page, selector: string, text: string): Promise<void> {
    await page.waitForSelector(`${selector}:text-is(${JSON.stringify(text)})`, {
      timeout: PAGE_WAIT_MS,
    });
  }

  async function textOf(page: Page, selector: string): Promise<string> {
    return (await page.locator(selector).textContent()) ?? '';
  }

  it('shows each payment live, moves the balance, and freezes the card so the next is declined', async () => {
    const { publicUrl, webAppUrl } = publicEndpoints();
    expect(webAppUrl).toMatch(new RegExp(`^${publicUrl}/app#token=`));
    if (browser === undefined) {
      throw new Error('browser not started');
    }
    const context = await browser.newContext();
    const page = await context.newPage();
    const requested: string[] = [];
    const problems: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') {
        problems.push(message.text());
      }
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('response', (response) => {
      if (response.status() >= 400) {
        problems.push(`${response.status()} ${response.url()}`);
      }
    });
    try {
      await page.goto(webAppUrl, { timeout: PAGE_WAIT_MS });
      await page.waitForSelector('body[data-ready="true"]', { timeout: PAGE_WAIT_MS });
      await waitForText(page, '#live', 'live');
      // The token left the address bar once the page kept it.
      expect(page.url()).toBe(`${publicUrl}/app`);
      expect(await textOf(page, '#balance')).toBe('£1,000.00');
      expect(await textOf(page, '#card-status')).toBe('active');

      expect(await pay('12.50')).toBe('00');
      const paid = page.locator('#feed li', { hasText: '-£12.50' });
      await paid.waitFor({ timeout: PAGE_WAIT_MS });
      await waitForText(page, '#balance', '£987.50');

      await page.click('#freeze-button');
      await waitForText(page, '#card-status', 'frozen');
      expect(await textOf(page, '#freeze-button')).toBe('Unfreeze card');
      expect(await pay('3.00')).toBe('62');
      const declined = page.locator('#feed li.declined', { hasText: '-£3.00' });
      await declined.waitFor({ timeout: PAGE_WAIT_MS });
      expect(await declined.locator('.detail').textContent()).toBe('Declined: card blocked');
      // Newest first: the decline is above the approved payment.
      const titles = await page.locator('#feed li .amount').allTextContents();
      expect(titles.slice(0, 2)).toEqual(['-£3.00', '-£12.50']);
      expect(await textOf(page, '#balance')).toBe('£987.50');

      await page.click('#freeze-button');
      await waitForText(page, '#card-status', 'active');
      expect(await pay('1.00')).toBe('00');
      await page.locator('#feed li', { hasText: '-£1.00' }).waitFor({ timeout: PAGE_WAIT_MS });

      expect(problems).toEqual([]);
      // Same origin only: every request the page made went to the bank's public port.
      expect(requested.filter((url) => !url.startsWith(`${publicUrl}/`))).toEqual([]);
      expect(requested.some((url) => url.includes('/feed/stream'))).toBe(true);
      expect(requested.some((url) => url.includes('/cards/'))).toBe(true);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('asks for a token when the URL carries none, and says so when it is refused', async () => {
    const { publicUrl } = publicEndpoints();
    if (browser === undefined) {
      throw new Error('browser not started');
    }
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${publicUrl}/app`, { timeout: PAGE_WAIT_MS });
      expect(await page.locator('#sign-in').isVisible()).toBe(true);
      expect(await page.locator('#main').isVisible()).toBe(false);
      await page.fill('#token', 'not-a-token');
      await page.click('#sign-in button');
      await page.locator('#error').waitFor({ state: 'visible', timeout: PAGE_WAIT_MS });
      expect(await textOf(page, '#error')).toMatch(/^Could not load the account: 401 /);
    } finally {
      await context.close();
    }
  }, 30_000);
});
