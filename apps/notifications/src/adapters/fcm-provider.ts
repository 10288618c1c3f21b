import { createPrivateKey, type KeyObject } from 'node:crypto';

import type { PushNotification } from '../domain/push-content';
import type { DeliveryOutcome } from '../ports/delivery-provider.port';
import { signJwt } from './compact-jwt';

/** The fields of a Google service-account JSON key file that the OAuth2 JWT bearer grant uses. */
export interface ServiceAccountKey {
  readonly projectId: string;
  readonly clientEmail: string;
  readonly privateKeyPem: string;
}

export interface FcmSettings {
  readonly serviceAccount: ServiceAccountKey;
  /** `https://oauth2.googleapis.com/token`, or a test server's. */
  readonly tokenUrl: string;
  /** `https://fcm.googleapis.com`, or a test server's. */
  readonly apiOrigin: string;
  readonly requestTimeoutMs: number;
}

const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
/** Google's assertions live at most an hour; the access token is refreshed a minute early. */
const ASSERTION_LIFETIME_SECONDS = 3600;
const ACCESS_TOKEN_EARLY_REFRESH_MS = 60_000;

/** The v1 API's error body: google.rpc.Status with FcmError details. */
interface FcmErrorBody {
  readonly error?: {
    readonly code?: number;
    readonly status?: string;
    readonly message?: string;
    readonly details?: readonly { readonly '@type'?: string; readonly errorCode?: string }[];
  };
}

/** FCM HTTP v1: OAuth2 access token from the service account, then messages:send per device. */
export class FcmProvider {
  private signingKey: KeyObject | undefined;
  private accessToken: { readonly token: string; readonly expiresAtMs: number } | undefined;

  constructor(
    private readonly settings: FcmSettings,
    private readonly nowMs: () => number,
  ) {}

  private async bearerToken(): Promise<string> {
    const nowMs = this.nowMs();
    if (this.accessToken !== undefined && nowMs < this.accessToken.expiresAtMs) {
      return this.accessToken.token;
    }
    this.signingKey ??= createPrivateKey(this.settings.serviceAccount.privateKeyPem);
    const issuedAtSeconds = Math.floor(nowMs / 1000);
    const assertion = signJwt('RS256', this.signingKey, {
      iss: this.settings.serviceAccount.clientEmail,
      scope: FCM_SCOPE,
      aud: this.settings.tokenUrl,
      iat: issuedAtSeconds,
      exp: issuedAtSeconds + ASSERTION_LIFETIME_SECONDS,
    });
    const response = await fetch(this.settings.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion,
      }).toString(),
      signal: AbortSignal.timeout(this.settings.requestTimeoutMs),
    });
    if (!response.ok) {
      throw new Error(`token endpoint answered ${response.status}`);
    }
    const body = (await response.json()) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string' || typeof body.expires_in !== 'number') {
      throw new Error('token endpoint answer has no access_token/expires_in');
    }
    this.accessToken = {
      token: body.access_token,
      expiresAtMs: nowMs + body.expires_in * 1000 - ACCESS_TOKEN_EARLY_REFRESH_MS,
    };
    return body.access_token;
  }

  async send(registrationToken: string, notification: PushNotification): Promise<DeliveryOutcome> {
    const ttlSeconds = Math.max(0, Math.floor((notification.expiresAtMs - this.nowMs()) / 1000));
    const message = {
      message: {
        token: registrationToken,
        notification: { title: notification.title, body: notification.body },
        data: { item_id: notification.itemId },
        android: { collapse_key: notification.collapseId, ttl: `${ttlSeconds}s` },
      },
    };
    let response: Response;
    try {
      const bearer = await this.bearerToken();
      response = await fetch(
        `${this.settings.apiOrigin}/v1/projects/${encodeURIComponent(this.settings.serviceAccount.projectId)}/messages:send`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
          body: JSON.stringify(message),
          signal: AbortSignal.timeout(this.settings.requestTimeoutMs),
        },
      );
    } catch (error) {
      return { kind: 'retryable', reason: `network: ${String(error)}` };
    }
    if (response.ok) {
      await response.arrayBuffer();
      return { kind: 'accepted' };
    }
    const text = await response.text();
    let errorCode: string | undefined;
    try {
      const body = JSON.parse(text) as FcmErrorBody;
      errorCode =
        body.error?.details?.find((detail) => detail.errorCode !== undefined)?.errorCode ??
        body.error?.status;
    } catch {
      // Not the v1 JSON shape: classify by status alone.
    }
    const reason = errorCode ?? `status ${response.status}`;
    if (errorCode === 'UNREGISTERED' || response.status === 404) {
      return { kind: 'unregistered', reason };
    }
    if (response.status === 401) {
      this.accessToken = undefined;
      return { kind: 'retryable', reason };
    }
    if (response.status === 429 || response.status >= 500) {
      const retryAfterSeconds = Number(response.headers.get('retry-after'));
      return Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0
        ? { kind: 'retryable', reason, retryAfterMs: retryAfterSeconds * 1000 }
        : { kind: 'retryable', reason };
    }
    return { kind: 'rejected', reason };
  }
}
