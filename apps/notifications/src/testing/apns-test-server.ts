import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  constants as http2Constants,
  createSecureServer,
  type Http2SecureServer,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';

import { verifyJwt } from '../adapters/compact-jwt';

/** A push APNs accepted (status 200). */
export interface AcceptedApnsPush {
  readonly deviceToken: string;
  readonly apnsId: string;
  readonly collapseId: string;
  readonly expirationSeconds: number;
  readonly providerToken: string;
  readonly payload: { readonly aps: { readonly alert: { readonly title: string } } };
}

/** A scripted answer: APNs' documented status codes and `{"reason": ...}` bodies. */
export interface ApnsAnswer {
  readonly status: 200 | 400 | 403 | 405 | 410 | 413 | 429 | 500 | 503;
  readonly reason?: string;
}

export interface ApnsTestServerOptions {
  readonly keyPem: string;
  readonly certPem: string;
  /** The provider's public key, the key id and team id its JWTs must carry. */
  readonly signingPublicKeyPem: string;
  readonly keyId: string;
  readonly teamId: string;
  readonly topic: string;
}

/**
 * An HTTP/2 TLS server on 127.0.0.1 that checks requests the way APNs documents them
 * (POST /3/device/<token>, bearer ES256 provider token signed by the registered key with the
 * right kid and iss, apns-topic, apns-push-type, apns-expiration, apns-collapse-id of at most 64
 * bytes, JSON payload of at most 4 KB) and answers with APNs' status codes and error bodies.
 */
export class ApnsTestServer {
  readonly accepted: AcceptedApnsPush[] = [];
  /** Every request that reached the server, valid or not (token, status answered). */
  readonly requests: { deviceToken: string; status: number }[] = [];
  private readonly scripted = new Map<string, ApnsAnswer[]>();
  private readonly publicKey: KeyObject;
  private readonly server: Http2SecureServer;
  private readonly liveSessions: ServerHttp2Session[] = [];

  private constructor(private readonly options: ApnsTestServerOptions) {
    this.publicKey = createPublicKey(options.signingPublicKeyPem);
    this.server = createSecureServer({ key: options.keyPem, cert: options.certPem });
    this.server.on('session', (session) => this.liveSessions.push(session));
    this.server.on('stream', (stream, headers) => this.onStream(stream, headers));
  }

  static async start(options: ApnsTestServerOptions): Promise<ApnsTestServer> {
    const server = new ApnsTestServer(options);
    await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  get origin(): string {
    const address = this.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    return `https://127.0.0.1:${port}`;
  }

  /** The next answers for one device token, in order; afterwards 200. */
  script(deviceToken: string, answers: readonly ApnsAnswer[]): void {
    this.scripted.set(deviceToken, [...(this.scripted.get(deviceToken) ?? []), ...answers]);
  }

  private answer(stream: ServerHttp2Stream, deviceToken: string, answer: ApnsAnswer): void {
    this.requests.push({ deviceToken, status: answer.status });
    const apnsId = '00000000-0000-4000-a000-000000000000';
    if (answer.status === 200) {
      stream.respond({ ':status': 200, 'apns-id': apnsId });
      stream.end();
      return;
    }
    const body: Record<string, unknown> = { reason: answer.reason ?? 'InternalServerError' };
    if (answer.status === 410) {
      body['timestamp'] = Date.now();
    }
    stream.respond({ ':status': answer.status, 'content-type': 'application/json' });
    stream.end(JSON.stringify(body));
  }

  private problem(headers: IncomingHttpHeaders, body: string): ApnsAnswer | undefined {
    const authorization = headers.authorization ?? '';
    const token = /^bearer (.+)$/.exec(authorization)?.[1];
    if (token === undefined) {
      return { status: 403, reason: 'MissingProviderToken' };
    }
    const [headerPart = ''] = token.split('.');
    const jwtHeader = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as {
      kid?: string;
    };
    // Provider tokens carry no exp; APNs accepts them for an hour from iat.
    const nowSeconds = Math.floor(Date.now() / 1000);
    const payload = JSON.parse(
      Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'),
    ) as { iss?: string; iat?: number };
    const verification = verifyJwt(token, this.publicKey, 'ES256', nowSeconds, 0);
    const signatureValid = verification.kind === 'valid' || verification.reason === 'expired';
    if (!signatureValid || jwtHeader.kid !== this.options.keyId) {
      return { status: 403, reason: 'InvalidProviderToken' };
    }
    if (payload.iss !== this.options.teamId || typeof payload.iat !== 'number') {
      return { status: 403, reason: 'InvalidProviderToken' };
    }
    if (nowSeconds - payload.iat > 3600) {
      return { status: 403, reason: 'ExpiredProviderToken' };
    }
    if (headers['apns-topic'] !== this.options.topic) {
      return {
        status: 400,
        reason: headers['apns-topic'] === undefined ? 'MissingTopic' : 'TopicDisallowed',
      };
    }
    if (headers['apns-push-type'] !== 'alert') {
      return { status: 400, reason: 'InvalidPushType' };
    }
    if (!/^\d+$/.test(String(headers['apns-expiration'] ?? ''))) {
      return { status: 400, reason: 'BadExpirationDate' };
    }
    const collapseId = String(headers['apns-collapse-id'] ?? '');
    if (collapseId === '' || Buffer.byteLength(collapseId) > 64) {
      return { status: 400, reason: 'BadCollapseId' };
    }
    if (Buffer.byteLength(body) > 4096) {
      return { status: 413, reason: 'PayloadTooLarge' };
    }
    try {
      JSON.parse(body);
    } catch {
      return { status: 400, reason: 'PayloadEmpty' };
    }
    return undefined;
  }

  private onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const path = String(headers[http2Constants.HTTP2_HEADER_PATH] ?? '');
      const deviceToken = /^\/3\/device\/([0-9a-fA-F]+)$/.exec(path)?.[1];
      if (headers[http2Constants.HTTP2_HEADER_METHOD] !== 'POST') {
        this.answer(stream, deviceToken ?? '', { status: 405, reason: 'MethodNotAllowed' });
        return;
      }
      if (deviceToken === undefined) {
        this.answer(stream, '', { status: 400, reason: 'BadPath' });
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const problem = this.problem(headers, body);
      if (problem !== undefined) {
        this.answer(stream, deviceToken, problem);
        return;
      }
      const scripted = this.scripted.get(deviceToken)?.shift();
      if (scripted !== undefined && scripted.status !== 200) {
        this.answer(stream, deviceToken, scripted);
        return;
      }
      this.accepted.push({
        deviceToken,
        apnsId: String(headers['apns-id'] ?? ''),
        collapseId: String(headers['apns-collapse-id']),
        expirationSeconds: Number(headers['apns-expiration']),
        providerToken: String(headers.authorization).slice('bearer '.length),
        payload: JSON.parse(body) as AcceptedApnsPush['payload'],
      });
      this.answer(stream, deviceToken, { status: 200 });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      // Close live sessions so close() does not wait on the client's idle connection.
      for (const session of this.liveSessions) {
        session.destroy();
      }
    });
  }
}
