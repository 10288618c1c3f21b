import type { IncomingMessage, ServerResponse } from 'node:http';

import { z } from 'zod';

import { type TokenVerifier, verifyBearerToken } from '@corebank/platform-auth';

import type {
  Customer,
  ManageRegistrationsUseCase,
} from '../../application/manage-registrations/manage-registrations.use-case';
import type { Device, DeviceTarget, Webhook } from '../../ports/notification-store.port';

export interface RegistrationHttpSettings {
  /** The bearer-token verifier every customer-facing API shares. */
  readonly verifier: TokenVerifier;
  readonly requestBodyBytesMax: number;
  /** Production accepts only https webhook URLs; tests' local receivers speak http. */
  readonly webhookHttpAllowed: boolean;
  readonly nowMs: () => number;
}

/** Problems a handler reports; mapped to FEED-API.md's `{code, message}` bodies in one place. */
class HttpProblem extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 405 | 413,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

const deviceBodySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('apns'), token: z.string().regex(/^[0-9a-fA-F]{64,200}$/) }),
  z.object({ kind: z.literal('fcm'), token: z.string().regex(/^[A-Za-z0-9_:.-]{1,4096}$/) }),
  z.object({
    kind: z.literal('web_push'),
    subscription: z.object({
      endpoint: z.string().url().max(2048).startsWith('https://'),
      keys: z.object({
        p256dh: z.string().regex(/^[A-Za-z0-9_-]{80,100}$/),
        auth: z.string().regex(/^[A-Za-z0-9_-]{16,32}$/),
      }),
    }),
  }),
]);

const webhookBodySchema = z.object({
  account_id: z.string().min(1).max(128),
  url: z.string().url().max(2048),
});

function deviceJson(device: Device): Record<string, unknown> {
  return { id: device.id, kind: device.target.kind, created: device.createdAt.toISOString() };
}

function webhookJson(webhook: Webhook, withSecret: boolean): Record<string, unknown> {
  return {
    id: webhook.id,
    account_id: webhook.accountId,
    url: webhook.url,
    ...(withSecret ? { secret: webhook.secret } : {}),
  };
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

async function readJson(request: IncomingMessage, bytesMax: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    bytes += buffer.length;
    if (bytes > bytesMax) {
      throw new HttpProblem(413, 'bad_request.body_too_large', `body over ${bytesMax} bytes`);
    }
    chunks.push(buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpProblem(400, 'bad_request.malformed_json', 'the body is not JSON');
  }
}

function parsed<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new HttpProblem(
      400,
      'bad_request.invalid_argument',
      `${issue?.path.join('.') ?? 'body'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return result.data;
}

const ROUTES = [
  { pattern: /^\/devices$/, methods: ['POST'] },
  { pattern: /^\/devices\/([^/]+)$/, methods: ['DELETE'] },
  { pattern: /^\/webhooks$/, methods: ['GET', 'POST'] },
  { pattern: /^\/webhooks\/([^/]+)$/, methods: ['DELETE'] },
] as const;

/**
 * The registration API of FEED-API.md (POST/DELETE /devices, POST/GET/DELETE /webhooks) as a
 * node:http request listener. Each request is authenticated first; the body is bounded.
 */
export class RegistrationHttpHandler {
  constructor(
    private readonly registrations: ManageRegistrationsUseCase,
    private readonly settings: RegistrationHttpSettings,
  ) {}

  readonly listener = (request: IncomingMessage, response: ServerResponse): void => {
    this.handle(request, response).catch((error: unknown) => {
      if (error instanceof HttpProblem) {
        send(
          response,
          error.status,
          {
            code: error.code,
            message: error.message,
            ...(error.status === 401 ? { error: 'invalid_token' } : {}),
          },
          error.headers,
        );
        return;
      }
      if (!response.headersSent) {
        send(response, 500, { code: 'internal', message: 'internal error' });
      }
    });
  };

  private authenticate(request: IncomingMessage): Customer {
    const verification = verifyBearerToken(request.headers.authorization, this.settings.verifier);
    if (verification.kind === 'invalid') {
      if (verification.reason === 'missing') {
        throw new HttpProblem(401, 'unauthenticated.missing_token', 'bearer token required', {
          'www-authenticate': 'Bearer',
        });
      }
      throw new HttpProblem(401, `unauthenticated.${verification.reason}`, 'invalid token', {
        'www-authenticate': 'Bearer error="invalid_token"',
      });
    }
    const { customerId, accounts } = verification.principal;
    return { customerId, accountIds: accounts.map((account) => account.id) };
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const route = ROUTES.find((candidate) => candidate.pattern.test(url.pathname));
    if (route === undefined) {
      throw new HttpProblem(404, 'not_found.path', 'no such path');
    }
    const method = request.method ?? 'GET';
    if (!(route.methods as readonly string[]).includes(method)) {
      throw new HttpProblem(405, 'method_not_allowed', `${method} not allowed`, {
        allow: route.methods.join(', '),
      });
    }
    const customer = this.authenticate(request);
    const id = decodeURIComponent(route.pattern.exec(url.pathname)?.[1] ?? '');
    switch (`${method} ${route.pattern.source}`) {
      case `POST ${ROUTES[0].pattern.source}`: {
        const body = parsed(
          deviceBodySchema,
          await readJson(request, this.settings.requestBodyBytesMax),
        );
        const target: DeviceTarget = body;
        const result = await this.registrations.registerDevice(customer, target);
        if (result.kind === 'limit_reached') {
          throw new HttpProblem(400, 'bad_request.device_limit', `at most ${result.limit} devices`);
        }
        send(response, 201, { device: deviceJson(result.device) });
        return;
      }
      case `DELETE ${ROUTES[1].pattern.source}`: {
        if ((await this.registrations.removeDevice(customer, id)) === 'not_found') {
          throw new HttpProblem(404, 'not_found.device', 'no such device');
        }
        send(response, 200, {});
        return;
      }
      case `POST ${ROUTES[2].pattern.source}`: {
        const body = parsed(
          webhookBodySchema,
          await readJson(request, this.settings.requestBodyBytesMax),
        );
        const scheme = new URL(body.url).protocol;
        if (scheme !== 'https:' && !(scheme === 'http:' && this.settings.webhookHttpAllowed)) {
          throw new HttpProblem(400, 'bad_request.invalid_argument', 'url must be https');
        }
        const result = await this.registrations.registerWebhook(
          customer,
          body.account_id,
          body.url,
        );
        switch (result.kind) {
          case 'not_found':
            throw new HttpProblem(404, 'not_found.account', 'no such account');
          case 'limit_reached':
            throw new HttpProblem(400, 'bad_request.webhook_limit', `at most ${result.limit}`);
          case 'registered':
            send(response, 201, { webhook: webhookJson(result.webhook, true) });
            return;
        }
        return;
      }
      case `GET ${ROUTES[2].pattern.source}`: {
        const accountId = url.searchParams.get('account_id');
        if (accountId === null || accountId === '') {
          throw new HttpProblem(400, 'bad_request.missing_argument', 'account_id is required');
        }
        const webhooks = await this.registrations.listWebhooks(customer, accountId);
        if (webhooks === 'not_found') {
          throw new HttpProblem(404, 'not_found.account', 'no such account');
        }
        send(response, 200, { webhooks: webhooks.map((webhook) => webhookJson(webhook, false)) });
        return;
      }
      case `DELETE ${ROUTES[3].pattern.source}`: {
        if ((await this.registrations.removeWebhook(customer, id)) === 'not_found') {
          throw new HttpProblem(404, 'not_found.webhook', 'no such webhook');
        }
        send(response, 200, {});
        return;
      }
      default:
        throw new HttpProblem(405, 'method_not_allowed', `${method} not allowed`);
    }
  }
}
