import { createPublicKey, type KeyObject, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

import { verifyJwt } from '../adapters/compact-jwt';

export interface AcceptedFcmMessage {
  readonly token: string;
  readonly collapseKey: string;
  readonly ttl: string;
  readonly title: string;
}

/** A scripted answer for one registration token, in FCM v1's status + error body terms. */
export type FcmAnswer = 'UNREGISTERED' | 'INVALID_ARGUMENT' | 'UNAVAILABLE' | 'QUOTA_EXCEEDED';

const ANSWERS: Readonly<Record<FcmAnswer, { status: number; grpcStatus: string }>> = {
  UNREGISTERED: { status: 404, grpcStatus: 'NOT_FOUND' },
  INVALID_ARGUMENT: { status: 400, grpcStatus: 'INVALID_ARGUMENT' },
  UNAVAILABLE: { status: 503, grpcStatus: 'UNAVAILABLE' },
  QUOTA_EXCEEDED: { status: 429, grpcStatus: 'RESOURCE_EXHAUSTED' },
};

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/**
 * Google's OAuth2 token endpoint (JWT bearer grant, RS256 assertion checked against the service
 * account's public key, scope and audience) and FCM's v1 messages:send endpoint (bearer access
 * token, message shape, google.rpc.Status error bodies with FcmError details) on one HTTP server.
 */
export class FcmTestServer {
  readonly accepted: AcceptedFcmMessage[] = [];
  tokensIssued = 0;
  private readonly accessTokens = new Set<string>();
  private readonly scripted = new Map<string, FcmAnswer[]>();
  private readonly publicKey: KeyObject;
  private readonly server: Server;

  private constructor(
    publicKeyPem: string,
    private readonly projectId: string,
    private readonly clientEmail: string,
  ) {
    this.publicKey = createPublicKey(publicKeyPem);
    this.server = createServer((request, response) => {
      this.handle(request, response).catch(() => json(response, 500, { error: { code: 500 } }));
    });
  }

  static async start(publicKeyPem: string, projectId: string, clientEmail: string) {
    const server = new FcmTestServer(publicKeyPem, projectId, clientEmail);
    await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  get origin(): string {
    const address = this.server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  }

  get tokenUrl(): string {
    return `${this.origin}/token`;
  }

  script(registrationToken: string, answers: readonly FcmAnswer[]): void {
    this.scripted.set(registrationToken, [
      ...(this.scripted.get(registrationToken) ?? []),
      ...answers,
    ]);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await bodyOf(request);
    if (request.method === 'POST' && request.url === '/token') {
      const form = new URLSearchParams(body);
      const assertion = form.get('assertion') ?? '';
      const verification = verifyJwt(
        assertion,
        this.publicKey,
        'RS256',
        Math.floor(Date.now() / 1000),
        0,
      );
      const claims = verification.kind === 'valid' ? verification.payload : {};
      if (
        form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' ||
        verification.kind !== 'valid' ||
        claims['iss'] !== this.clientEmail ||
        claims['aud'] !== this.tokenUrl ||
        claims['scope'] !== 'https://www.googleapis.com/auth/firebase.messaging'
      ) {
        json(response, 400, { error: 'invalid_grant', error_description: 'Invalid JWT' });
        return;
      }
      const accessToken = `ya29.${randomBytes(16).toString('hex')}`;
      this.accessTokens.add(accessToken);
      this.tokensIssued += 1;
      json(response, 200, { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' });
      return;
    }
    if (
      request.method !== 'POST' ||
      request.url !== `/v1/projects/${this.projectId}/messages:send`
    ) {
      json(response, 404, { error: { code: 404, message: 'Not Found', status: 'NOT_FOUND' } });
      return;
    }
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (bearer === undefined || !this.accessTokens.has(bearer)) {
      json(response, 401, {
        error: {
          code: 401,
          message: 'Request had invalid authentication credentials.',
          status: 'UNAUTHENTICATED',
        },
      });
      return;
    }
    const message = (
      JSON.parse(body) as {
        message?: {
          token?: string;
          notification?: { title?: string };
          android?: { collapse_key?: string; ttl?: string };
        };
      }
    ).message;
    const token = message?.token;
    const ttl = message?.android?.ttl ?? '';
    if (token === undefined || !/^\d+(\.\d{1,9})?s$/.test(ttl)) {
      this.fail(response, 'INVALID_ARGUMENT');
      return;
    }
    const scripted = this.scripted.get(token)?.shift();
    if (scripted !== undefined) {
      this.fail(response, scripted);
      return;
    }
    this.accepted.push({
      token,
      collapseKey: message?.android?.collapse_key ?? '',
      ttl,
      title: message?.notification?.title ?? '',
    });
    json(response, 200, { name: `projects/${this.projectId}/messages/${this.accepted.length}` });
  }

  private fail(response: ServerResponse, answer: FcmAnswer): void {
    const { status, grpcStatus } = ANSWERS[answer];
    json(response, status, {
      error: {
        code: status,
        message: answer === 'UNREGISTERED' ? 'Requested entity was not found.' : answer,
        status: grpcStatus,
        details: [
          { '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: answer },
        ],
      },
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
