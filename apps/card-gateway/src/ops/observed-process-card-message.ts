import type { Counter, Registry } from 'prom-client';

import { createCounter, runInSpan } from '@corebank/platform-observability';

import type { CardMessage } from '../application/process-card-message/card-message.command';
import type { GatewayLog } from '../application/process-card-message/gateway-log.port';
import {
  type CardMessageReply,
  ProcessCardMessageUseCase,
} from '../application/process-card-message/process-card-message.use-case';
import type { Authorization } from '../ports/authorization.port';

/**
 * The use case inside a span (so its log lines and the authorization call carry one trace id)
 * and counted by reply: `card_gateway_responses_total{response_code,outcome}`, which the
 * IssuerUnavailableDeclineRateHigh alert divides. Requests refused before the use case (size,
 * authentication, unparseable XML) are not card messages and are not counted here.
 */
export class ObservedProcessCardMessage extends ProcessCardMessageUseCase {
  private readonly responses: Counter<'response_code' | 'outcome'>;

  constructor(
    authorization: Authorization,
    private readonly answers: GatewayLog,
    metrics: Registry,
  ) {
    super(authorization, answers);
    this.responses = createCounter(metrics, {
      name: 'card_gateway_responses_total',
      help: 'Replies to processor card messages, by response code and whether authorization decided.',
      labelNames: ['response_code', 'outcome'],
    });
  }

  override execute(message: CardMessage, timeoutMs: number): Promise<CardMessageReply> {
    return runInSpan('card-gateway.process_card_message', async () => {
      const reply = await super.execute(message, timeoutMs);
      this.responses.inc({ response_code: reply.responseCode, outcome: reply.outcome });
      // Inside the span: at debug level, each payment's line carries its trace id.
      this.answers.debug('card message answered', {
        kind: message.kind,
        responseCode: reply.responseCode,
        outcome: reply.outcome,
      });
      return reply;
    });
  }
}
