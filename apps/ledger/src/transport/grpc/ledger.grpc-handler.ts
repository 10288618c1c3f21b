import { ledgerV1 } from '@corebank/contracts-proto';
import type { UnaryHandlers } from '@corebank/platform-rpc';

import type { AccountInput } from '../../domain/account';
import type { LedgerApplication } from '../../application/ledger-application';
import {
  accountCodeFromWire,
  accountResultToWire,
  accountToWire,
  transferInputFromWire,
  transferResultToWire,
  transferToWire,
} from './ledger-wire-mapping';

type LedgerHandlers = UnaryHandlers<typeof ledgerV1.LedgerServiceService>;

/**
 * corebank.ledger.v1.LedgerService over the ledger's use cases: decode, call one use case,
 * encode. Business outcomes travel as per-item result enums; PlatformErrors thrown by use cases
 * become gRPC statuses in the rpc lib's single mapping.
 */
export function createLedgerGrpcHandlers(app: LedgerApplication): LedgerHandlers {
  return {
    createAccounts: async (request) => {
      const inputs: (AccountInput | undefined)[] = request.accounts.map((wire) => {
        const code = accountCodeFromWire(wire.code);
        return code === undefined
          ? undefined
          : {
              id: wire.id,
              currencyCode: wire.currencyCode,
              currencyExponent: wire.currencyExponent,
              code,
              flags: {
                debitsMustNotExceedCredits: wire.flags?.debitsMustNotExceedCredits ?? false,
                creditsMustNotExceedDebits: wire.flags?.creditsMustNotExceedDebits ?? false,
              },
              userData: wire.userData,
            };
      });
      const valid = inputs.filter((input): input is AccountInput => input !== undefined);
      const results = await app.createAccounts.execute({ accounts: valid });
      let next = 0;
      return {
        results: inputs.map((input) =>
          input === undefined
            ? accountResultToWire('code_invalid')
            : accountResultToWire(results[next++]),
        ),
      };
    },
    createTransfers: async (request, context) => {
      const results = await app.createTransfers.execute({
        transfers: request.transfers.map(transferInputFromWire),
        ...(context.deadlineMs === undefined ? {} : { deadlineMs: context.deadlineMs }),
      });
      return { results: results.map(transferResultToWire) };
    },
    lookupAccounts: async (request) => {
      const accounts = await app.lookupAccounts.execute(request.ids);
      return { accounts: accounts.map(accountToWire) };
    },
    lookupTransfers: async (request) => {
      const transfers = await app.lookupTransfers.execute(request.ids);
      return { transfers: transfers.map(transferToWire) };
    },
    getAccountTransfers: async (request) => {
      const page = await app.getAccountTransfers.execute({
        accountId: request.accountId,
        afterTransferId: request.afterTransferId,
        limit: request.limit,
      });
      return {
        transfers: page.transfers.map(transferToWire),
        nextAfterTransferId: page.nextAfterTransferId,
      };
    },
    getAccountBalances: async (request) => {
      const balances = await app.getAccountBalances.execute(request.accountIds);
      return {
        balances: balances.map((balance) => ({
          accountId: balance.accountId,
          currencyCode: balance.currencyCode,
          currencyExponent: balance.currencyExponent,
          ledgerBalanceMinor: balance.ledgerBalanceMinor.toString(),
          availableBalanceMinor: balance.availableBalanceMinor.toString(),
        })),
      };
    },
  };
}
