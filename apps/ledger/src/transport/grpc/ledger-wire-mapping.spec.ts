import { ledgerV1 } from '@corebank/contracts-proto';

import { CREATE_TRANSFER_RESULTS } from '../../domain/transfer-result';
import { transferInputFromWire, transferResultToWire } from './ledger-wire-mapping';

describe('ledger wire mapping', () => {
  it('gives every domain transfer result its own wire value', () => {
    const wire = CREATE_TRANSFER_RESULTS.map(transferResultToWire);
    expect(new Set(wire).size).toBe(CREATE_TRANSFER_RESULTS.length);
    expect(wire).not.toContain(ledgerV1.CreateTransferResult.CREATE_TRANSFER_RESULT_UNSPECIFIED);
  });

  it('keeps amounts of any size exact and marks non-decimal amounts malformed', () => {
    const decode = (amountMinor: string) =>
      transferInputFromWire(ledgerV1.NewTransfer.fromPartial({ id: '1', amountMinor })).amountMinor;
    expect(decode('18446744073709551616')).toBe(18446744073709551616n);
    expect(decode('')).toBe(0n);
    expect(decode('1e3')).toBeUndefined();
    expect(decode(' 5')).toBeUndefined();
  });
});
