import { isPlatformError } from '@corebank/platform-errors';
import { type Money } from '@corebank/domain-money';

import type { Authorization, CardMessageDecision } from '../../ports/authorization.port';
import { type CardMessage, isDecideKind } from './card-message.command';
import type { GatewayLog } from './gateway-log.port';

/** Reply fields the transport turns into GetTransactionResult (CARD-PROCESSOR.md §3). */
export interface CardMessageReply {
  readonly responseCode: string;
  readonly acknowledged: boolean;
  readonly ledgerBalance: Money | undefined;
  readonly availableBalance: Money | undefined;
  readonly billAmountApproved: Money | undefined;
  /** 'decided' = authorization answered; 'unconfirmed' = we answered 91/96 ourselves. */
  readonly outcome: 'decided' | 'unconfirmed';
}

export const FORMAT_ERROR_CODE = '30';
export const ISSUER_INOPERATIVE_CODE = '91';
export const SYSTEM_MALFUNCTION_CODE = '96';

/**
 * Forwards every processor message to authorization within the remaining deadline budget and
 * turns the answer, or its absence, into the reply (§4.1 rules 1, 14, 15; §4.2; §7).
 *
 * Never throws: an authorization failure or missed deadline becomes 91 (decide) or 96 + Ack 0
 * (notification), and a VoidUnconfirmedDecision is sent in the background so a late commit
 * cannot leave a hold for a payment the processor was told was declined.
 */
export class ProcessCardMessageUseCase {
  private readonly pendingVoids = new Set<Promise<void>>();

  constructor(
    private readonly authorization: Authorization,
    private readonly log: GatewayLog,
  ) {}

  /** @param timeoutMs time left in the deadline budget for the authorization call. */
  async execute(message: CardMessage, timeoutMs: number): Promise<CardMessageReply> {
    const decide = isDecideKind(message.kind);
    let decision: CardMessageDecision;
    try {
      decision = await withTimeout(
        this.authorization.processCardMessage(message, timeoutMs),
        timeoutMs,
      );
    } catch (error) {
      return this.unconfirmed(message, decide, error);
    }
    if (message.malformed !== undefined && decide) {
      // Rule 1 wins whatever authorization said: the gateway could not type the message.
      return {
        ...reply(decision),
        responseCode: FORMAT_ERROR_CODE,
        acknowledged: true,
        billAmountApproved: undefined,
      };
    }
    return reply(decision);
  }

  /** Resolves when every background void has finished (for shutdown and tests). */
  async drainPendingVoids(): Promise<void> {
    await Promise.allSettled([...this.pendingVoids]);
  }

  private unconfirmed(message: CardMessage, decide: boolean, error: unknown): CardMessageReply {
    const code = isPlatformError(error) ? error.code : 'internal.unexpected';
    if (message.malformed !== undefined && decide) {
      // The answer is 30 regardless; nothing can have been held for an unusable message.
      this.log.warn('malformed decide message not recorded by authorization', {
        txnId: message.txnId,
        errorCode: code,
      });
      return {
        responseCode: FORMAT_ERROR_CODE,
        acknowledged: true,
        ledgerBalance: undefined,
        availableBalance: undefined,
        billAmountApproved: undefined,
        outcome: 'unconfirmed',
      };
    }
    const responseCode = decide ? ISSUER_INOPERATIVE_CODE : SYSTEM_MALFUNCTION_CODE;
    this.log.warn('authorization did not answer in time', {
      txnId: message.txnId,
      kind: message.kind,
      errorCode: code,
      responseCode,
    });
    // Only a decide message needs a void: the processor was told "declined" and never re-sends
    // it, so a late hold would stay. A notification answered 96 + Ack 0 is re-sent, and its
    // effects are keyed on TXn_ID, so a late commit is simply acknowledged on the re-send;
    // voiding it would record 96 as its final answer and lose the presentment.
    if (decide && message.txnId !== '') {
      this.voidInBackground(message.txnId, responseCode, code);
    }
    return {
      responseCode,
      // A decide message cannot be resent; a notification must be (§4.2).
      acknowledged: decide,
      ledgerBalance: undefined,
      availableBalance: undefined,
      billAmountApproved: undefined,
      outcome: 'unconfirmed',
    };
  }

  private voidInBackground(txnId: string, responseCode: string, reason: string): void {
    const pending = this.authorization
      .voidUnconfirmedDecision(txnId, responseCode, reason)
      .then(
        () => this.log.info('unconfirmed decision voided', { txnId, responseCode }),
        (error: unknown) =>
          // Bounded retries are spent. Authorization's sweeper releases holds without a recorded
          // approval, and the processor's advice re-send (§6.1 matrix) is the final word.
          this.log.error('void of unconfirmed decision failed', {
            txnId,
            responseCode,
            errorCode: isPlatformError(error) ? error.code : 'internal.unexpected',
          }),
      )
      .finally(() => this.pendingVoids.delete(pending));
    this.pendingVoids.add(pending);
  }
}

function reply(decision: CardMessageDecision): CardMessageReply {
  return {
    responseCode: decision.responseCode,
    acknowledged: decision.acknowledged,
    ledgerBalance: decision.ledgerBalance,
    availableBalance: decision.availableBalance,
    billAmountApproved: decision.billAmountApproved,
    outcome: 'decided',
  };
}

class GatewayDeadlineError extends Error {}

/**
 * The gRPC deadline already bounds the call; this second timer guarantees the answer even if a
 * port implementation ignores it, because a late reply is worse than a 91 (§7).
 */
async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new GatewayDeadlineError('deadline budget spent')),
      Math.max(0, timeoutMs),
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
