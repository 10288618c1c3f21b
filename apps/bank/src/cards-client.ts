import { authorizationCardsV1 } from '@corebank/contracts-proto';
import { createRpcClient } from '@corebank/platform-rpc';

/** Card management (authorization's CardService over gRPC): the only way the bank and CLI touch cards. */
export type CardsClient = ReturnType<typeof createCardsClient>;

export function createCardsClient(address: string, callTimeoutMs: number) {
  return createRpcClient(authorizationCardsV1.CardServiceClient, {
    address,
    defaultTimeoutMs: callTimeoutMs,
    // One-shot tools: a breaker would only hide the first error behind `circuit open`.
    breaker: false,
  });
}

/** YYYY-MM three years ahead, as card products usually run. */
export function expiryMonthThreeYearsFrom(now: Date): string {
  return `${now.getUTCFullYear() + 3}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
}
