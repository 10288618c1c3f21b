/**
 * A TEST DOUBLE of the authorization service, served over real grpc-js (platform-rpc's RpcServer)
 * on 127.0.0.1. It implements the corebank.authorization.v1 contract just enough to exercise the
 * gateway: it records what it receives and answers as each test scripts. It is not the
 * authorization service (built later against the same contract) and makes no decisions.
 */
import { authorizationV1 } from '@corebank/contracts-proto';
import { RpcServer } from '@corebank/platform-rpc';

export type AuthorizationDoubleBehaviour = 'approve' | 'hang' | 'fail';

/** A hung call is released by the caller's deadline; this only bounds a caller without one. */
const HANG_BOUND_MS = 5000;

export class AuthorizationServiceTestDouble {
  behaviour: AuthorizationDoubleBehaviour = 'approve';
  readonly received: authorizationV1.CardMessage[] = [];
  readonly voids: authorizationV1.VoidUnconfirmedDecisionRequest[] = [];
  private readonly server = new RpcServer();
  private address: string | undefined;

  constructor() {
    this.server.addService(authorizationV1.AuthorizationServiceService, {
      processCardMessage: async (request, context) => {
        const message = request.message;
        if (message !== undefined) {
          this.received.push(message);
        }
        if (this.behaviour === 'hang') {
          await new Promise<void>((resolve) => {
            const bound = setTimeout(resolve, HANG_BOUND_MS);
            context.signal.addEventListener('abort', () => {
              clearTimeout(bound);
              resolve();
            });
          });
        }
        if (this.behaviour !== 'approve') {
          throw new Error('authorization test double told to fail');
        }
        return scriptedAnswer(message);
      },
      voidUnconfirmedDecision: (request) => {
        this.voids.push(request);
        return Promise.resolve({ holdReleased: false });
      },
    });
  }

  async start(): Promise<string> {
    const port = await this.server.listen('127.0.0.1', 0);
    this.address = `127.0.0.1:${port}`;
    return this.address;
  }

  async stop(): Promise<void> {
    await this.server.shutdown(100);
  }

  reset(behaviour: AuthorizationDoubleBehaviour = 'approve'): void {
    this.behaviour = behaviour;
    this.received.length = 0;
    this.voids.length = 0;
  }
}

/** 00 with 100.00 ledger and 100.00 minus the amount available; 30 for malformed messages. */
function scriptedAnswer(
  message: authorizationV1.CardMessage | undefined,
): authorizationV1.ProcessCardMessageResponse {
  const bill = message?.billAmount;
  const balance = (amountMinor: bigint): authorizationV1.Amount | undefined =>
    bill === undefined
      ? undefined
      : { amountMinor, currencyCode: bill.currencyCode, subMinor: false, raw: '' };
  return {
    responseCode: message?.malformed === undefined ? '00' : '30',
    acknowledged: true,
    ledgerBalance: balance(10_000n),
    availableBalance: balance(
      10_000n + (bill !== undefined && bill.amountMinor < 0n ? bill.amountMinor : 0n),
    ),
    billAmountApproved: undefined,
    decisionId: `double-${message?.txnId ?? ''}`,
  };
}
