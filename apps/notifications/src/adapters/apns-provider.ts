import { createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import {
  type ClientHttp2Session,
  connect,
  constants as http2Constants,
  type IncomingHttpHeaders,
} from 'node:http2';

import type { PushNotification } from '../domain/push-content';
import type { DeliveryOutcome } from '../ports/delivery-provider.port';
import { signJwt } from './compact-jwt';

export interface ApnsSettings {
  /** `https://api.push.apple.com` (or the sandbox, or a test server). */
  readonly origin: string;
  /** The .p8 key's PEM text (PKCS#8, P-256). */
  readonly signingKeyPem: string;
  readonly keyId: string;
  readonly teamId: string;
  /** The app's bundle id: the `apns-topic` header. */
  readonly topic: string;
  /** Extra trusted CA (PEM) for a private test server; production uses the system roots. */
  readonly caPem?: string;
  /**
   * Apple refuses a provider token older than an hour and throttles one refreshed more often
   * than every 20 minutes, so the token is reused until this age (between the two).
   */
  readonly tokenRefreshAfterMs: number;
  readonly requestTimeoutMs: number;
}

/** APNs answers 410 with the last time the token was valid; anything else is a failure. */
interface ApnsErrorBody {
  readonly reason?: string;
  readonly timestamp?: number;
}

/** apns-id is a UUID; derived from the collapse id so a resend carries the same one. */
function apnsIdFor(collapseId: string): string {
  const hex = createHash('sha256').update(collapseId).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * APNs over HTTP/2 with token-based authentication: one multiplexed session, an ES256 provider
 * token cached per Apple's rules, and Apple's documented status codes mapped to outcomes.
 */
export class ApnsProvider {
  private session: ClientHttp2Session | undefined;
  private signingKey: KeyObject | undefined;
  private cachedToken: { readonly jwt: string; readonly issuedAtMs: number } | undefined;

  constructor(
    private readonly settings: ApnsSettings,
    private readonly nowMs: () => number,
  ) {}

  private providerToken(): string {
    const nowMs = this.nowMs();
    if (
      this.cachedToken !== undefined &&
      nowMs - this.cachedToken.issuedAtMs < this.settings.tokenRefreshAfterMs
    ) {
      return this.cachedToken.jwt;
    }
    this.signingKey ??= createPrivateKey(this.settings.signingKeyPem);
    const jwt = signJwt(
      'ES256',
      this.signingKey,
      { iss: this.settings.teamId, iat: Math.floor(nowMs / 1000) },
      { kid: this.settings.keyId },
    );
    this.cachedToken = { jwt, issuedAtMs: nowMs };
    return jwt;
  }

  private connectedSession(): ClientHttp2Session {
    if (this.session !== undefined && !this.session.closed && !this.session.destroyed) {
      return this.session;
    }
    const session = connect(
      this.settings.origin,
      this.settings.caPem === undefined ? {} : { ca: this.settings.caPem },
    );
    // A session error fails its streams (they report it); forget the session so the next
    // request reconnects.
    session.on('error', () => {
      if (this.session === session) {
        this.session = undefined;
      }
    });
    session.on('close', () => {
      if (this.session === session) {
        this.session = undefined;
      }
    });
    session.unref();
    this.session = session;
    return session;
  }

  async send(deviceToken: string, notification: PushNotification): Promise<DeliveryOutcome> {
    const jwt = this.providerToken();
    const body = JSON.stringify({
      aps: { alert: { title: notification.title, body: notification.body }, sound: 'default' },
      item_id: notification.itemId,
    });
    let response: { status: number; body: string; headers: IncomingHttpHeaders };
    try {
      response = await this.request(deviceToken, jwt, notification, body);
    } catch (error) {
      return { kind: 'retryable', reason: `network: ${String(error)}` };
    }
    return this.outcomeOf(response.status, response.body);
  }

  private request(
    deviceToken: string,
    jwt: string,
    notification: PushNotification,
    body: string,
  ): Promise<{ status: number; body: string; headers: IncomingHttpHeaders }> {
    const session = this.connectedSession();
    return new Promise((resolve, reject) => {
      const stream = session.request({
        [http2Constants.HTTP2_HEADER_METHOD]: 'POST',
        [http2Constants.HTTP2_HEADER_PATH]: `/3/device/${encodeURIComponent(deviceToken)}`,
        authorization: `bearer ${jwt}`,
        'apns-topic': this.settings.topic,
        'apns-push-type': 'alert',
        'apns-priority': '10',
        'apns-id': apnsIdFor(notification.collapseId),
        'apns-collapse-id': notification.collapseId,
        // APNs stores an undeliverable notification until then and then drops it, like us.
        'apns-expiration': String(Math.floor(notification.expiresAtMs / 1000)),
        'content-type': 'application/json',
      });
      stream.setTimeout(this.settings.requestTimeoutMs, () => {
        stream.close(http2Constants.NGHTTP2_CANCEL);
        reject(new Error(`no APNs answer in ${this.settings.requestTimeoutMs} ms`));
      });
      let headers: IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      stream.on('response', (responseHeaders) => {
        headers = responseHeaders;
      });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () =>
        resolve({
          status: Number(headers[http2Constants.HTTP2_HEADER_STATUS] ?? 0),
          body: Buffer.concat(chunks).toString('utf8'),
          headers,
        }),
      );
      stream.on('error', reject);
      stream.end(body);
    });
  }

  private outcomeOf(status: number, body: string): DeliveryOutcome {
    if (status === 200) {
      return { kind: 'accepted' };
    }
    let reason = `status ${status}`;
    try {
      const parsed = JSON.parse(body) as ApnsErrorBody;
      reason = parsed.reason ?? reason;
    } catch {
      // Not JSON (a proxy's page): keep the status as the reason.
    }
    if (status === 410 || reason === 'Unregistered') {
      return { kind: 'unregistered', reason };
    }
    if (status === 403 && reason === 'ExpiredProviderToken') {
      this.cachedToken = undefined;
      return { kind: 'retryable', reason };
    }
    if (status === 429 || status >= 500) {
      return { kind: 'retryable', reason };
    }
    return { kind: 'rejected', reason };
  }

  close(): void {
    this.session?.close();
    this.session = undefined;
  }
}
