import { ledgerV1 } from '@corebank/contracts-proto';

import {
  ACCOUNT_CODES,
  type Account,
  type AccountCode,
  type CreateAccountResult,
} from '../../domain/account';
import { parseAmountMinor } from '../../domain/ledger-numbers';
import { NO_FLAGS, type TransferInput } from '../../domain/transfer';
import { CREATE_TRANSFER_RESULTS, type CreateTransferResult } from '../../domain/transfer-result';
import type { PendingStatusView, TransferView } from '../../ports/ledger-repository.port';

/** Wire <-> domain mapping for corebank.ledger.v1. Shape only: no business rule lives here. */

function enumLookup<Domain extends string, Wire extends number>(
  values: readonly Domain[],
  wireEnum: Record<string, string | number>,
  prefix: string,
): ReadonlyMap<Domain, Wire> {
  return new Map(
    values.map((value) => {
      const wire = wireEnum[`${prefix}${value.toUpperCase()}`];
      if (typeof wire !== 'number') {
        // The proto and the domain list drifted apart: a bug caught at boot, not per call.
        throw new Error(`no wire value ${prefix}${value.toUpperCase()}`);
      }
      return [value, wire as Wire];
    }),
  );
}

const TRANSFER_RESULTS = enumLookup<CreateTransferResult, ledgerV1.CreateTransferResult>(
  CREATE_TRANSFER_RESULTS,
  ledgerV1.CreateTransferResult,
  'CREATE_TRANSFER_RESULT_',
);
const ACCOUNT_RESULTS = enumLookup<
  CreateAccountResult | 'code_invalid',
  ledgerV1.CreateAccountResult
>(
  [
    'ok',
    'exists',
    'exists_with_different_fields',
    'id_invalid',
    'flags_are_mutually_exclusive',
    'currency_code_invalid',
    'currency_exponent_invalid',
    'user_data_too_long',
    'code_invalid',
  ],
  ledgerV1.CreateAccountResult,
  'CREATE_ACCOUNT_RESULT_',
);
const ACCOUNT_CODES_TO_WIRE = enumLookup<AccountCode, ledgerV1.AccountCode>(
  ACCOUNT_CODES,
  ledgerV1.AccountCode,
  'ACCOUNT_CODE_',
);
const ACCOUNT_CODES_FROM_WIRE = new Map(
  [...ACCOUNT_CODES_TO_WIRE].map(([domain, wire]) => [wire, domain] as const),
);
const PENDING_STATUSES = enumLookup<PendingStatusView, ledgerV1.PendingStatus>(
  ['none', 'pending', 'posted', 'voided', 'expired'],
  ledgerV1.PendingStatus,
  'PENDING_STATUS_',
);

function lookupOrThrow<Key, Value>(map: ReadonlyMap<Key, Value>, key: Key): Value {
  const value = map.get(key);
  if (value === undefined) {
    throw new Error(`unmapped value ${String(key)}`);
  }
  return value;
}

export function transferResultToWire(result: CreateTransferResult): ledgerV1.CreateTransferResult {
  return lookupOrThrow(TRANSFER_RESULTS, result);
}

export function accountResultToWire(
  result: CreateAccountResult | 'code_invalid',
): ledgerV1.CreateAccountResult {
  return lookupOrThrow(ACCOUNT_RESULTS, result);
}

export function accountCodeFromWire(code: ledgerV1.AccountCode): AccountCode | undefined {
  return ACCOUNT_CODES_FROM_WIRE.get(code);
}

export function transferInputFromWire(wire: ledgerV1.NewTransfer): TransferInput {
  const flags = wire.flags ?? NO_FLAGS;
  return {
    id: wire.id,
    debitAccountId: wire.debitAccountId,
    creditAccountId: wire.creditAccountId,
    // An empty amount is zero (proto3 default); anything else must be plain decimal digits.
    amountMinor: wire.amountMinor === '' ? 0n : parseAmountMinor(wire.amountMinor),
    currencyCode: wire.currencyCode,
    pendingId: wire.pendingId,
    timeoutSeconds: wire.timeoutSeconds,
    userData: wire.userData,
    flags: {
      linked: flags.linked,
      pending: flags.pending,
      postPendingTransfer: flags.postPendingTransfer,
      voidPendingTransfer: flags.voidPendingTransfer,
      postAbovePendingAmountAllowed: flags.postAbovePendingAmountAllowed,
    },
  };
}

export function accountToWire(account: Account): ledgerV1.Account {
  return {
    id: account.id,
    currencyCode: account.currencyCode,
    currencyExponent: account.currencyExponent,
    code: lookupOrThrow(ACCOUNT_CODES_TO_WIRE, account.code),
    flags: { ...account.flags },
    userData: account.userData,
    debitsPendingMinor: account.debitsPendingMinor.toString(),
    debitsPostedMinor: account.debitsPostedMinor.toString(),
    creditsPendingMinor: account.creditsPendingMinor.toString(),
    creditsPostedMinor: account.creditsPostedMinor.toString(),
    createdAtMs: BigInt(account.createdAtMs),
    version: account.version,
  };
}

export function transferToWire(view: TransferView): ledgerV1.Transfer {
  const { transfer } = view;
  return {
    id: transfer.id,
    debitAccountId: transfer.debitAccountId,
    creditAccountId: transfer.creditAccountId,
    amountMinor: transfer.amountMinor.toString(),
    currencyCode: transfer.currencyCode,
    pendingId: transfer.pendingId,
    timeoutSeconds: transfer.timeoutSeconds,
    userData: transfer.userData,
    flags: { ...transfer.flags },
    createdAtMs: BigInt(transfer.createdAtMs),
    pendingStatus: lookupOrThrow(PENDING_STATUSES, view.pendingStatus),
  };
}
