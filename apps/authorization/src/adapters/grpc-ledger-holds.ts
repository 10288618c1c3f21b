import { lookupCurrency } from '@corebank/domain-money';
import { ledgerV1 } from '@corebank/contracts-proto';
import { PlatformError } from '@corebank/platform-errors';
import type { RpcClient } from '@corebank/platform-rpc';

import { availableChangeMinor, type LedgerOperation } from '../domain/lifecycle';
import { deriveLedgerId } from '../application/ledger-transfer-ids';
import type {
  ApplyOutcome,
  CustomerBalance,
  CustomerLedgerAccounts,
  LedgerHolds,
} from '../ports/ledger-holds.port';

type LedgerClient = RpcClient<typeof ledgerV1.LedgerServiceService>;

const Result = ledgerV1.CreateTransferResult;

// A chain is retried when a void finds its hold already gone (expired by the ledger) or when a
// concurrent movement on the account changed the shortfall of a forced chain; both settle fast.
const APPLY_ATTEMPTS_MAX = 4;

export interface GrpcLedgerHoldsOptions {
  /** A pending transfer the ledger voids by itself after this long (0: never). */
  readonly holdTimeoutSeconds: number;
}

/** LedgerHolds over the ledger's gRPC API (corebank.ledger.v1). */
export class GrpcLedgerHolds implements LedgerHolds {
  private readonly bankAccountsReady = new Set<string>();

  constructor(
    private readonly ledger: LedgerClient,
    private readonly options: GrpcLedgerHoldsOptions,
  ) {}

  static cardClearingAccountId(currencyCode: string): string {
    return deriveLedgerId(`bank:card_clearing:${currencyCode}`);
  }

  static fundingAccountId(currencyCode: string): string {
    return deriveLedgerId(`bank:funding:${currencyCode}`);
  }

  /** Test accounts are funded from here, so the real funding account's total excludes them. */
  static testFundingAccountId(currencyCode: string): string {
    return deriveLedgerId(`bank:test_funding:${currencyCode}`);
  }

  async openCustomerAccounts(accounts: CustomerLedgerAccounts): Promise<void> {
    await this.ensureBankAccounts(accounts.currencyCode);
    const exponent = exponentOf(accounts.currencyCode);
    const response = await this.ledger.call('createAccounts', {
      accounts: [
        {
          id: accounts.accountId,
          currencyCode: accounts.currencyCode,
          currencyExponent: exponent,
          code: ledgerV1.AccountCode.ACCOUNT_CODE_CUSTOMER,
          flags: { debitsMustNotExceedCredits: true, creditsMustNotExceedDebits: false },
          userData: accounts.testAccount === true ? 'test_customer' : 'customer',
        },
        {
          id: accounts.overdraftAccountId,
          currencyCode: accounts.currencyCode,
          currencyExponent: exponent,
          code: ledgerV1.AccountCode.ACCOUNT_CODE_SUSPENSE,
          flags: { debitsMustNotExceedCredits: false, creditsMustNotExceedDebits: false },
          userData:
            accounts.testAccount === true ? 'test_customer_overdraft' : 'customer_overdraft',
        },
      ],
    });
    assertAccountsCreated(response.results);
  }

  async apply(
    accounts: CustomerLedgerAccounts,
    operations: readonly LedgerOperation[],
    options: { readonly forced: boolean; readonly chainId: string },
  ): Promise<ApplyOutcome> {
    if (operations.length === 0) {
      return { kind: 'applied' };
    }
    await this.ensureBankAccounts(accounts.currencyCode);
    let remaining = [...operations];
    let overdraftMinor = 0n;
    for (let attempt = 1; attempt <= APPLY_ATTEMPTS_MAX; attempt += 1) {
      const transfers = remaining.map((operation) =>
        this.toTransfer(accounts, operation, options.chainId),
      );
      if (overdraftMinor > 0n) {
        transfers.unshift({
          ...emptyTransfer(),
          id: deriveLedgerId(`${options.chainId}:overdraft`),
          debitAccountId: accounts.overdraftAccountId,
          creditAccountId: accounts.accountId,
          amountMinor: overdraftMinor.toString(),
          currencyCode: accounts.currencyCode,
          userData: 'overdraft_draw',
        });
      }
      linkChain(transfers);
      const { results } = await this.ledger.call('createTransfers', { transfers });
      if (results.every((result) => result === Result.CREATE_TRANSFER_RESULT_OK)) {
        return { kind: 'applied' };
      }
      if (results.includes(Result.CREATE_TRANSFER_RESULT_EXISTS)) {
        return { kind: 'already_applied' };
      }
      const offset = overdraftMinor > 0n ? 1 : 0;
      const goneHold = remaining.findIndex(
        (operation, index) => operation.kind === 'void_hold' && isHoldGone(results[index + offset]),
      );
      if (goneHold >= 0) {
        remaining = remaining.filter((_operation, index) => index !== goneHold);
        if (remaining.length === 0) {
          return { kind: 'applied' };
        }
        continue;
      }
      if (results.includes(Result.CREATE_TRANSFER_RESULT_EXCEEDS_CREDITS)) {
        if (!options.forced) {
          return { kind: 'insufficient_funds' };
        }
        const availableMinor = await this.customerAvailableMinor(accounts.accountId);
        const neededMinor = -availableChangeMinor(remaining);
        overdraftMinor = neededMinor - availableMinor;
        if (overdraftMinor <= 0n) {
          overdraftMinor = 0n;
        }
        continue;
      }
      throw ledgerRefused(results);
    }
    throw new PlatformError('unavailable.ledger_contention', 'ledger chain kept conflicting', {
      retryable: true,
    });
  }

  async fund(accounts: CustomerLedgerAccounts, transferId: string, amountMinor: bigint) {
    await this.ensureBankAccounts(accounts.currencyCode);
    const transfer = {
      ...emptyTransfer(),
      id: transferId,
      debitAccountId:
        accounts.testAccount === true
          ? GrpcLedgerHolds.testFundingAccountId(accounts.currencyCode)
          : GrpcLedgerHolds.fundingAccountId(accounts.currencyCode),
      creditAccountId: accounts.accountId,
      amountMinor: amountMinor.toString(),
      currencyCode: accounts.currencyCode,
      userData: 'funding',
    };
    const { results } = await this.ledger.call('createTransfers', { transfers: [transfer] });
    const result = results[0];
    if (
      result !== Result.CREATE_TRANSFER_RESULT_OK &&
      result !== Result.CREATE_TRANSFER_RESULT_EXISTS
    ) {
      throw ledgerRefused(results);
    }
    const drawnMinor = -(await this.ledgerBalanceMinor(accounts.overdraftAccountId));
    const availableMinor = await this.customerAvailableMinor(accounts.accountId);
    const repayMinor = drawnMinor < availableMinor ? drawnMinor : availableMinor;
    if (repayMinor > 0n) {
      const repay = {
        ...emptyTransfer(),
        id: deriveLedgerId(`${transferId}:overdraft_repay`),
        debitAccountId: accounts.accountId,
        creditAccountId: accounts.overdraftAccountId,
        amountMinor: repayMinor.toString(),
        currencyCode: accounts.currencyCode,
        userData: 'overdraft_repay',
      };
      const repaid = await this.ledger.call('createTransfers', { transfers: [repay] });
      const repayResult = repaid.results[0];
      if (
        repayResult !== Result.CREATE_TRANSFER_RESULT_OK &&
        repayResult !== Result.CREATE_TRANSFER_RESULT_EXISTS
      ) {
        throw ledgerRefused(repaid.results);
      }
    }
  }

  async balance(accounts: CustomerLedgerAccounts): Promise<CustomerBalance> {
    const { balances } = await this.ledger.call('getAccountBalances', {
      accountIds: [accounts.accountId, accounts.overdraftAccountId],
    });
    const customer = balances.find((entry) => entry.accountId === accounts.accountId);
    const overdraft = balances.find((entry) => entry.accountId === accounts.overdraftAccountId);
    if (customer === undefined || overdraft === undefined) {
      throw new PlatformError('not_found.ledger_account', 'customer ledger account not found', {
        retryable: false,
      });
    }
    // The overdraft account's balance is minus what it lent the customer.
    const overdraftMinor = BigInt(overdraft.ledgerBalanceMinor);
    return {
      currencyCode: accounts.currencyCode,
      ledgerBalanceMinor: BigInt(customer.ledgerBalanceMinor) + overdraftMinor,
      availableBalanceMinor: BigInt(customer.availableBalanceMinor) + overdraftMinor,
    };
  }

  async voidHoldIfPending(holdTransferId: string, chainId: string): Promise<boolean> {
    const { transfers } = await this.ledger.call('lookupTransfers', { ids: [holdTransferId] });
    const hold = transfers[0];
    if (hold?.pendingStatus !== ledgerV1.PendingStatus.PENDING_STATUS_PENDING) {
      return false;
    }
    const release = {
      ...emptyTransfer(),
      id: deriveLedgerId(`${chainId}:void:${holdTransferId}`),
      pendingId: holdTransferId,
      currencyCode: hold.currencyCode,
      userData: 'card_hold_release',
      flags: { ...noFlags(), voidPendingTransfer: true },
    };
    const { results } = await this.ledger.call('createTransfers', { transfers: [release] });
    const result = results[0];
    if (
      result === Result.CREATE_TRANSFER_RESULT_OK ||
      result === Result.CREATE_TRANSFER_RESULT_EXISTS
    ) {
      return true;
    }
    if (isHoldGone(result)) {
      return false;
    }
    throw ledgerRefused(results);
  }

  private async customerAvailableMinor(accountId: string): Promise<bigint> {
    const { balances } = await this.ledger.call('getAccountBalances', { accountIds: [accountId] });
    return BigInt(balances[0]?.availableBalanceMinor ?? '0');
  }

  private async ledgerBalanceMinor(accountId: string): Promise<bigint> {
    const { balances } = await this.ledger.call('getAccountBalances', { accountIds: [accountId] });
    return BigInt(balances[0]?.ledgerBalanceMinor ?? '0');
  }

  private toTransfer(
    accounts: CustomerLedgerAccounts,
    operation: LedgerOperation,
    chainId: string,
  ): ledgerV1.NewTransfer {
    const clearing = GrpcLedgerHolds.cardClearingAccountId(accounts.currencyCode);
    const base = { ...emptyTransfer(), currencyCode: accounts.currencyCode };
    switch (operation.kind) {
      case 'place_hold':
        return {
          ...base,
          id: operation.transferId,
          debitAccountId: accounts.accountId,
          creditAccountId: clearing,
          amountMinor: operation.amountMinor.toString(),
          timeoutSeconds: this.options.holdTimeoutSeconds,
          userData: 'card_hold',
          flags: { ...noFlags(), pending: true },
        };
      case 'void_hold':
        return {
          ...base,
          id: deriveLedgerId(`${chainId}:void:${operation.holdTransferId}`),
          pendingId: operation.holdTransferId,
          amountMinor: '0',
          userData: 'card_hold_release',
          flags: { ...noFlags(), voidPendingTransfer: true },
        };
      case 'debit':
        return {
          ...base,
          id: operation.transferId,
          debitAccountId: accounts.accountId,
          creditAccountId: clearing,
          amountMinor: operation.amountMinor.toString(),
          userData: 'card_debit',
        };
      case 'credit':
        return {
          ...base,
          id: operation.transferId,
          debitAccountId: clearing,
          creditAccountId: accounts.accountId,
          amountMinor: operation.amountMinor.toString(),
          userData: 'card_credit',
        };
    }
  }

  private async ensureBankAccounts(currencyCode: string): Promise<void> {
    if (this.bankAccountsReady.has(currencyCode)) {
      return;
    }
    const exponent = exponentOf(currencyCode);
    const noAccountFlags = { debitsMustNotExceedCredits: false, creditsMustNotExceedDebits: false };
    const response = await this.ledger.call('createAccounts', {
      accounts: [
        {
          id: GrpcLedgerHolds.cardClearingAccountId(currencyCode),
          currencyCode,
          currencyExponent: exponent,
          code: ledgerV1.AccountCode.ACCOUNT_CODE_CARD_CLEARING,
          flags: noAccountFlags,
          userData: 'card_clearing',
        },
        {
          id: GrpcLedgerHolds.fundingAccountId(currencyCode),
          currencyCode,
          currencyExponent: exponent,
          code: ledgerV1.AccountCode.ACCOUNT_CODE_FUNDING,
          flags: noAccountFlags,
          userData: 'funding',
        },
        {
          id: GrpcLedgerHolds.testFundingAccountId(currencyCode),
          currencyCode,
          currencyExponent: exponent,
          code: ledgerV1.AccountCode.ACCOUNT_CODE_FUNDING,
          flags: noAccountFlags,
          userData: 'test_funding',
        },
      ],
    });
    assertAccountsCreated(response.results);
    this.bankAccountsReady.add(currencyCode);
  }
}

function exponentOf(currencyCode: string): number {
  const lookup = lookupCurrency(currencyCode);
  if (lookup.kind !== 'currency') {
    throw new PlatformError('invalid.currency', 'unknown currency', {
      retryable: false,
      params: { currencyCode },
    });
  }
  return lookup.currency.exponent;
}

function emptyTransfer(): ledgerV1.NewTransfer {
  return {
    id: '',
    debitAccountId: '',
    creditAccountId: '',
    amountMinor: '0',
    currencyCode: '',
    pendingId: '',
    timeoutSeconds: 0,
    userData: '',
    flags: noFlags(),
  };
}

function noFlags(): ledgerV1.TransferFlags {
  return {
    linked: false,
    pending: false,
    postPendingTransfer: false,
    voidPendingTransfer: false,
    postAbovePendingAmountAllowed: false,
  };
}

/** Every transfer but the last is linked to the next: the ledger applies the chain or nothing. */
function linkChain(transfers: ledgerV1.NewTransfer[]): void {
  transfers.forEach((transfer, index) => {
    transfers[index] = {
      ...transfer,
      flags: { ...(transfer.flags ?? noFlags()), linked: index < transfers.length - 1 },
    };
  });
}

function isHoldGone(result: ledgerV1.CreateTransferResult | undefined): boolean {
  return (
    result === Result.CREATE_TRANSFER_RESULT_PENDING_TRANSFER_EXPIRED ||
    result === Result.CREATE_TRANSFER_RESULT_PENDING_TRANSFER_ALREADY_VOIDED ||
    result === Result.CREATE_TRANSFER_RESULT_PENDING_TRANSFER_ALREADY_POSTED ||
    result === Result.CREATE_TRANSFER_RESULT_PENDING_TRANSFER_NOT_FOUND
  );
}

function assertAccountsCreated(results: readonly ledgerV1.CreateAccountResult[]): void {
  const refused = results.find(
    (result) =>
      result !== ledgerV1.CreateAccountResult.CREATE_ACCOUNT_RESULT_OK &&
      result !== ledgerV1.CreateAccountResult.CREATE_ACCOUNT_RESULT_EXISTS,
  );
  if (refused !== undefined) {
    throw new PlatformError('internal.ledger_refused', 'ledger refused an account', {
      retryable: false,
      params: { result: ledgerV1.CreateAccountResult[refused] ?? String(refused) },
    });
  }
}

function ledgerRefused(results: readonly ledgerV1.CreateTransferResult[]): PlatformError {
  const names = results.map((result) => Result[result] ?? String(result)).join(',');
  return new PlatformError('internal.ledger_refused', 'ledger refused a transfer chain', {
    retryable: false,
    params: { results: names },
  });
}
