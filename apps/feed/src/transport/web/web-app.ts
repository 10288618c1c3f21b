import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';

import { WEB_APP_SCRIPT } from './web-app-script';

const WEB_APP_STYLE = `
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 32rem; padding: 1rem; }
header { display: flex; justify-content: space-between; align-items: baseline; }
#live { font-size: 0.8rem; color: #666; }
#error { background: #fde8e8; color: #8a1c1c; padding: 0.5rem; border-radius: 0.25rem; }
.balance { font-size: 2.5rem; font-weight: 600; margin: 0.25rem 0; }
#card { border: 1px solid #ccc; border-radius: 0.5rem; padding: 0.75rem; margin: 1rem 0;
  display: flex; justify-content: space-between; align-items: center; }
#card[data-status="frozen"] { background: #e8f0fe; }
button { font-size: 1rem; padding: 0.4rem 0.8rem; }
#feed { list-style: none; padding: 0; }
#feed li { display: grid; grid-template-columns: 1fr auto; padding: 0.5rem 0;
  border-bottom: 1px solid #eee; }
#feed li.declined .amount { text-decoration: line-through; color: #999; }
#feed li.declined .detail { color: #8a1c1c; }
.detail { font-size: 0.8rem; color: #666; }
`;

const WEB_APP_BODY = `
<header><h1>corebank</h1><span id="live">offline</span></header>
<p id="error" role="alert" hidden></p>
<form id="sign-in">
  <label for="token">Bearer token</label>
  <input id="token" name="token" autocomplete="off" required>
  <button type="submit">Open</button>
</form>
<main id="main" hidden>
  <p id="account"></p>
  <p class="balance" id="balance" aria-label="balance"></p>
  <p class="detail">Spent today <span id="spend-today"></span></p>
  <section id="card">
    <div><div id="card-label">Card</div><div class="detail" id="card-status"></div></div>
    <button type="button" id="freeze-button" hidden>Freeze card</button>
  </section>
  <h2>Feed</h2>
  <ul id="feed"></ul>
</main>
`;

function sha256Source(text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
}

/**
 * Inline script and style are allowed by hash only, and the page may connect to its own origin
 * only: nothing it shows can load or call anything elsewhere. The empty data: icon spares the
 * browser a /favicon.ico request that would only 404.
 */
export const WEB_APP_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src ${sha256Source(WEB_APP_SCRIPT)}`,
  `style-src ${sha256Source(WEB_APP_STYLE)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The customer web page (GET /app): the account's balance, its live feed and a freeze button.
 * One static document with its script inline, so there is no build step and no second request.
 */
export const WEB_APP_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>corebank</title>
<link rel="icon" href="data:,">
<style>${WEB_APP_STYLE}</style>
</head>
<body>${WEB_APP_BODY}<script>${WEB_APP_SCRIPT}</script>
</body>
</html>
`;

const WEB_APP_BYTES = Buffer.from(WEB_APP_HTML, 'utf8');

/** Writes the page; it holds no customer data, the token arrives in the fragment or the form. */
export function sendWebApp(response: ServerResponse): void {
  response.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': WEB_APP_BYTES.length,
    'cache-control': 'no-cache',
    'content-security-policy': WEB_APP_CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  response.end(WEB_APP_BYTES);
}
