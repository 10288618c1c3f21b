import { createServer, type IncomingMessage, type Server } from 'node:http';

import { WEBHOOK_EVENT_ID_HEADER } from '../adapters/webhook-sender';
import { verifyWebhookSignature, WEBHOOK_SIGNATURE_HEADER } from '../domain/webhook-signature';

export interface AcceptedWebhook {
  readonly eventId: string;
  readonly type: string;
  readonly transactionId: string;
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A customer's webhook endpoint: it verifies the signature header over `timestamp.body` with the
 * secret it was given (401 when wrong), answers 500 to the first `failFirstAttempts` POSTs of
 * each event, then 200, and records what it accepted.
 */
export class WebhookReceiver {
  readonly accepted: AcceptedWebhook[] = [];
  readonly attemptsByEvent = new Map<string, number>();
  badSignatures = 0;
  secret = '';
  private readonly server: Server;

  private constructor(private readonly failFirstAttempts: number) {
    this.server = createServer((request, response) => {
      bodyOf(request).then(
        (body) => {
          const eventId = String(request.headers[WEBHOOK_EVENT_ID_HEADER] ?? '');
          const check = verifyWebhookSignature(
            this.secret,
            String(request.headers[WEBHOOK_SIGNATURE_HEADER] ?? ''),
            body,
            Math.floor(Date.now() / 1000),
            300,
          );
          if (check.kind !== 'valid') {
            this.badSignatures += 1;
            response.writeHead(401).end();
            return;
          }
          const attempts = (this.attemptsByEvent.get(eventId) ?? 0) + 1;
          this.attemptsByEvent.set(eventId, attempts);
          if (attempts <= this.failFirstAttempts) {
            response.writeHead(500).end();
            return;
          }
          const parsed = JSON.parse(body) as { type: string; data: { id: string } };
          this.accepted.push({ eventId, type: parsed.type, transactionId: parsed.data.id });
          response.writeHead(200).end();
        },
        () => response.writeHead(400).end(),
      );
    });
  }

  static async start(failFirstAttempts: number): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(failFirstAttempts);
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    const address = this.server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/hooks`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
