import { ledgerV1 } from '@corebank/contracts-proto';
import { isSnowflake } from '@corebank/platform-ids';
import { createRpcClient, type RpcClient } from '@corebank/platform-rpc';

import type { AccountBalances, BalanceLookup } from '../ports/account-balances.port';

/**
 * Ledger account ids are bare snowflakes; the feed API may show them with the `acc_` prefix, so
 * the prefix is dropped before asking the ledger.
 */
export function ledgerAccountIdOf(accountId: string): string {
  return accountId.startsWith('acc_') ? accountId.slice('acc_'.length) : accountId;
}

export class GrpcAccountBalances implements AccountBalances {
  private readonly client: RpcClient<typeof ledgerV1.LedgerServiceService>;

  constructor(address: string, callTimeoutMs: number) {
    this.client = createRpcClient(ledgerV1.LedgerServiceClient, {
      address,
      defaultTimeoutMs: callTimeoutMs,
      // A read: safe to retry.
      idempotentMethods: ['getAccountBalances'],
    });
  }

  async balanceOf(accountId: string): Promise<BalanceLookup> {
    const ledgerAccountId = ledgerAccountIdOf(accountId);
    // The ledger refuses ids that are not snowflakes; such an account cannot exist there.
    if (!isSnowflake(ledgerAccountId)) {
      return { kind: 'not_found' };
    }
    const response = await this.client.call('getAccountBalances', {
      accountIds: [ledgerAccountId],
    });
    const balance = response.balances[0];
    if (balance === undefined) {
      return { kind: 'not_found' };
    }
    return {
      kind: 'found',
      balance: {
        currency: balance.currencyCode,
        availableMinor: BigInt(balance.availableBalanceMinor),
        totalMinor: BigInt(balance.ledgerBalanceMinor),
      },
    };
  }

  close(): void {
    this.client.close();
  }
}
