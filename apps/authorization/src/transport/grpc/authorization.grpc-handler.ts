import { authorizationV1 } from '@corebank/contracts-proto';
import type { UnaryHandlers } from '@corebank/platform-rpc';

import type { ProcessCardMessageUseCase } from '../../application/process-card-message/process-card-message.use-case';
import type { VoidUnconfirmedDecisionUseCase } from '../../application/void-unconfirmed-decision/void-unconfirmed-decision.use-case';
import { cardMessageFromWire, cardMessageResultToWire } from './card-message-mapping';

/** corebank.authorization.v1.AuthorizationService over the two use cases. */
export function authorizationGrpcHandlers(
  processCardMessage: ProcessCardMessageUseCase,
  voidUnconfirmedDecision: VoidUnconfirmedDecisionUseCase,
): UnaryHandlers<typeof authorizationV1.AuthorizationServiceService> {
  return {
    processCardMessage: async (request, context) => {
      const result = await processCardMessage.execute({
        message: cardMessageFromWire(request),
        deadline: { remainingMs: () => context.remainingMs() },
        ...(context.traceparent === undefined ? {} : { traceparent: context.traceparent }),
      });
      return cardMessageResultToWire(result);
    },
    voidUnconfirmedDecision: async (request) => {
      const result = await voidUnconfirmedDecision.execute({
        txnId: request.txnId,
        answeredResponseCode: request.answeredResponseCode,
        reason: request.reason,
      });
      return { holdReleased: result.holdReleased };
    },
  };
}
