import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Script } from 'node:vm';

import { matchRoute } from '../http/feed-routes';
import { sendWebApp, WEB_APP_CONTENT_SECURITY_POLICY, WEB_APP_HTML } from './web-app';
import { WEB_APP_SCRIPT } from './web-app-script';

function inline(tag: 'script' | 'style'): string {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(WEB_APP_HTML);
  if (match?.[1] === undefined) {
    throw new Error(`no inline ${tag}`);
  }
  return match[1];
}

function hashOf(text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
}

describe('the customer web page', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((_request, response) => sendWebApp(response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/app`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('is routed at GET /app, without a token', () => {
    expect(matchRoute('GET', '/app')).toMatchObject({ kind: 'route', route: { name: 'webApp' } });
    expect(matchRoute('POST', '/app')).toEqual({ kind: 'wrong_method', allowed: ['GET'] });
  });

  it('serves HTML whose inline script and style are exactly the ones its CSP hashes allow', async () => {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy).toBe(WEB_APP_CONTENT_SECURITY_POLICY);
    expect(await response.text()).toBe(WEB_APP_HTML);
    expect(inline('script')).toBe(WEB_APP_SCRIPT);
    expect(policy).toContain(`script-src ${hashOf(inline('script'))}`);
    expect(policy).toContain(`style-src ${hashOf(inline('style'))}`);
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toContain("default-src 'none'");
  });

  it('has a script that parses, and fetches nothing from another origin', () => {
    expect(() => new Script(WEB_APP_SCRIPT)).not.toThrow();
    expect(WEB_APP_HTML).not.toMatch(/https?:\/\//);
    // The only linked resource is the empty inline icon.
    expect(
      [...WEB_APP_HTML.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((match) => match[1]),
    ).toEqual(['data:,']);
    // Every API path is root-relative, so the page works behind the bank's one public port.
    const paths = [...WEB_APP_SCRIPT.matchAll(/'(\/[a-z]+[^']*)'/g)].map((match) => match[1]);
    expect(paths).toEqual(
      expect.arrayContaining(['/accounts', '/balance?account_id=', '/cards?account_id=']),
    );
  });

  it('shows what the browser test and a person look for: balance, card, freeze button, feed', () => {
    for (const id of ['balance', 'card-status', 'freeze-button', 'feed', 'sign-in', 'live']) {
      expect(WEB_APP_HTML).toContain(`id="${id}"`);
    }
  });
});
