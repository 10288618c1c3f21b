import { createECDH, createPublicKey, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { generateVAPIDKeys } from 'web-push';

import { selfSignedCertificate } from '../testing/test-certificates';
import { verifyJwt } from './compact-jwt';
import { WebPushProvider } from './web-push-provider';

jest.setTimeout(30_000);

interface PushServiceRequest {
  readonly path: string;
  readonly ttl: string;
  readonly topic: string;
  readonly contentEncoding: string;
  readonly vapidValid: boolean;
  readonly bodyBytes: number;
}

/**
 * A push service on 127.0.0.1 (RFC 8030 over TLS): it checks the VAPID Authorization header
 * (RFC 8292: `vapid t=<ES256 JWT>, k=<public key>`, aud = the push service origin, sub, exp) and
 * the aes128gcm-encrypted body, answers 201, or 410 for the subscription path `/gone`.
 */
describe('Web Push provider against a local push service', () => {
  let directory: string;
  let server: Server;
  let origin: string;
  let caPem: string;
  const vapid = generateVAPIDKeys();
  const requests: PushServiceRequest[] = [];

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'web-push-'));
    const tls = selfSignedCertificate(directory);
    caPem = tls.certPem;
    const publicPoint = Buffer.from(vapid.publicKey, 'base64url');
    const vapidKey = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: publicPoint.subarray(1, 33).toString('base64url'),
        y: publicPoint.subarray(33, 65).toString('base64url'),
      },
      format: 'jwk',
    });
    server = createServer({ key: tls.keyPem, cert: tls.certPem }, (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const match = /^vapid t=([^,]+), k=(.+)$/.exec(request.headers.authorization ?? '');
        const verification =
          match === null
            ? undefined
            : verifyJwt(match[1] ?? '', vapidKey, 'ES256', Math.floor(Date.now() / 1000), 0);
        const claims = verification?.kind === 'valid' ? verification.payload : {};
        requests.push({
          path: request.url ?? '',
          ttl: String(request.headers['ttl'] ?? ''),
          topic: String(request.headers['topic'] ?? ''),
          contentEncoding: String(request.headers['content-encoding'] ?? ''),
          vapidValid:
            match?.[2] === vapid.publicKey &&
            claims['aud'] === origin &&
            claims['sub'] === 'mailto:push@corebank.test',
          bodyBytes: Buffer.concat(chunks).length,
        });
        response.writeHead(request.url === '/gone' ? 410 : 201).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    origin = `https://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    rmSync(directory, { recursive: true, force: true });
  });

  function subscription(path: string) {
    const browser = createECDH('prime256v1');
    browser.generateKeys();
    return {
      endpoint: `${origin}${path}`,
      keys: {
        p256dh: browser.getPublicKey().toString('base64url'),
        auth: randomBytes(16).toString('base64url'),
      },
    };
  }

  it('sends a VAPID-signed, encrypted push with TTL and Topic, and maps 410 to unregistered', async () => {
    const nowMs = Date.now();
    const sut = new WebPushProvider(
      {
        subject: 'mailto:push@corebank.test',
        vapidPublicKey: vapid.publicKey,
        vapidPrivateKey: vapid.privateKey,
        requestTimeoutMs: 5_000,
        caPem,
      },
      () => nowMs,
    );
    const notification = {
      itemId: 'tx_1',
      title: 'Pret A Manger',
      body: 'Spent 3.50 GBP',
      collapseId: 'tx_1',
      expiresAtMs: nowMs + 60_000,
    };
    expect(await sut.send(subscription('/push/abc'), notification)).toEqual({ kind: 'accepted' });
    expect(await sut.send(subscription('/gone'), notification)).toEqual({
      kind: 'unregistered',
      reason: 'status 410',
    });
    expect(requests[0]).toEqual({
      path: '/push/abc',
      ttl: '60',
      topic: Buffer.from('tx_1').toString('base64url'),
      contentEncoding: 'aes128gcm',
      vapidValid: true,
      bodyBytes: expect.any(Number) as number,
    });
    expect(requests[0]?.bodyBytes).toBeGreaterThan(86);
  });
});
