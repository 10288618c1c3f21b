import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { PushNotification } from '../domain/push-content';
import { ApnsTestServer } from '../testing/apns-test-server';
import { apnsSigningKeyPair, selfSignedCertificate } from '../testing/test-certificates';
import { ApnsProvider, type ApnsSettings } from './apns-provider';

jest.setTimeout(30_000);

const TOKEN = 'c'.repeat(64);
const KEY_ID = 'ABC123DEFG';
const TEAM_ID = 'DEF123GHIJ';
const TOPIC = 'com.corebank.app';

function notification(itemId: string, expiresAtMs: number): PushNotification {
  return {
    itemId,
    title: 'Pret A Manger',
    body: 'Spent 3.50 GBP',
    collapseId: itemId,
    expiresAtMs,
  };
}

describe('APNs provider against a local HTTP/2 TLS server with the APNs contract', () => {
  let directory: string;
  let server: ApnsTestServer;
  let settings: ApnsSettings;
  const providers: ApnsProvider[] = [];

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'apns-'));
    const tls = selfSignedCertificate(directory);
    const key = apnsSigningKeyPair();
    server = await ApnsTestServer.start({
      keyPem: tls.keyPem,
      certPem: tls.certPem,
      signingPublicKeyPem: key.publicKeyPem,
      keyId: KEY_ID,
      teamId: TEAM_ID,
      topic: TOPIC,
    });
    settings = {
      origin: server.origin,
      signingKeyPem: key.privateKeyPem,
      keyId: KEY_ID,
      teamId: TEAM_ID,
      topic: TOPIC,
      caPem: tls.certPem,
      tokenRefreshAfterMs: 50 * 60_000,
      requestTimeoutMs: 5_000,
    };
  });

  afterAll(async () => {
    for (const provider of providers) {
      provider.close();
    }
    await server?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  function provider(overrides: Partial<ApnsSettings> = {}, nowMs = () => Date.now()) {
    const created = new ApnsProvider({ ...settings, ...overrides }, nowMs);
    providers.push(created);
    return created;
  }

  it('sends the documented request and reuses its provider token until the refresh age', async () => {
    let nowMs = Date.now();
    const sut = provider({}, () => nowMs);
    const expiresAtMs = Date.now() + 60_000;
    expect(await sut.send(TOKEN, notification('tx_1', expiresAtMs))).toEqual({ kind: 'accepted' });
    expect(await sut.send(TOKEN, notification('tx_2', expiresAtMs))).toEqual({ kind: 'accepted' });
    // Past the refresh age the same provider signs a new token (the test server does not
    // refuse an iat ahead of its clock, only one older than an hour).
    nowMs += 51 * 60_000;
    expect(await sut.send(TOKEN, notification('tx_3', expiresAtMs))).toEqual({ kind: 'accepted' });
    const [first, second, third] = server.accepted.slice(-3);
    expect(third?.providerToken).not.toBe(first?.providerToken);
    expect(first?.providerToken).toBe(second?.providerToken);
    expect(first?.collapseId).toBe('tx_1');
    expect(first?.expirationSeconds).toBe(Math.floor(expiresAtMs / 1000));
    expect(first?.apnsId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(first?.payload.aps.alert.title).toBe('Pret A Manger');
  });

  it('maps APNs status codes and reasons to outcomes', async () => {
    const sut = provider();
    const expiresAtMs = Date.now() + 60_000;
    server.script(TOKEN, [
      { status: 400, reason: 'BadDeviceToken' },
      { status: 410, reason: 'Unregistered' },
      { status: 429, reason: 'TooManyRequests' },
      { status: 500, reason: 'InternalServerError' },
      { status: 503, reason: 'ServiceUnavailable' },
    ]);
    const outcomes = [];
    for (let index = 0; index < 5; index += 1) {
      outcomes.push(await sut.send(TOKEN, notification(`tx_s${index}`, expiresAtMs)));
    }
    expect(outcomes).toEqual([
      { kind: 'rejected', reason: 'BadDeviceToken' },
      { kind: 'unregistered', reason: 'Unregistered' },
      { kind: 'retryable', reason: 'TooManyRequests' },
      { kind: 'retryable', reason: 'InternalServerError' },
      { kind: 'retryable', reason: 'ServiceUnavailable' },
    ]);
  });

  it('is refused by the server for a wrong topic, a wrong key id or a stale provider token', async () => {
    const expiresAtMs = Date.now() + 60_000;
    expect(
      await provider({ topic: 'com.other.app' }).send(TOKEN, notification('tx_t', expiresAtMs)),
    ).toEqual({
      kind: 'rejected',
      reason: 'TopicDisallowed',
    });
    expect(
      await provider({ keyId: 'WRONGKEY00' }).send(TOKEN, notification('tx_k', expiresAtMs)),
    ).toEqual({
      kind: 'rejected',
      reason: 'InvalidProviderToken',
    });
    const stale = provider({}, () => Date.now() - 2 * 3_600_000);
    expect(await stale.send(TOKEN, notification('tx_e', expiresAtMs))).toEqual({
      kind: 'retryable',
      reason: 'ExpiredProviderToken',
    });
  });

  it('reports an unreachable server as retryable', async () => {
    const sut = provider({ origin: 'https://127.0.0.1:1', requestTimeoutMs: 2_000 });
    const outcome = await sut.send(TOKEN, notification('tx_n', Date.now() + 60_000));
    expect(outcome.kind).toBe('retryable');
  });
});
