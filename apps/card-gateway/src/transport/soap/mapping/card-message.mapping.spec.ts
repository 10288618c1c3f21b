import { AUTH_REQUEST_FIELDS } from '../../../testing/get-transaction-envelope';
import { kindOf, mapCardMessage } from './card-message.mapping';

const RECEIVED_AT = new Date('2026-11-22T01:00:00.000Z');

function sut(overrides: Readonly<Record<string, string>>, ambiguous: readonly string[] = []) {
  const fields = new Map(
    Object.entries({ ...AUTH_REQUEST_FIELDS, ...overrides }).filter(([, value]) => value !== ''),
  );
  return mapCardMessage({ fields, ambiguousFields: new Set(ambiguous), receivedAt: RECEIVED_AT });
}

describe('kindOf (§2.1)', () => {
  it.each([
    ['0100', 'A', 'auth_requested'],
    ['0101', 'A', 'auth_repeated'],
    ['0200', 'M', 'financial_requested'],
    ['0120', 'J', 'auth_advised'],
    ['0120', 'D', 'auth_reversed'],
    ['0220', 'Q', 'financial_advised'],
    ['0400', 'D', 'auth_reversed'],
    ['0420', 'D', 'auth_reversed'],
    ['0420', 'V', 'financial_reversed'],
    ['', 'D', 'auth_expired'],
    ['1240', 'P', 'presented'],
    ['05', 'P', 'presented'],
    ['06', 'N', 're_presented'],
    ['25', 'E', 'presentment_reversed'],
    ['1240', 'E', 'presentment_reversed'],
    ['07', 'A', 'advice_notification_ignored'],
    ['1240', 'C', 'chargeback'],
    ['1240', 'H', 'chargeback'],
    ['1240', 'K', 'chargeback_reversed'],
    ['', 'L', 'account_adjusted'],
    ['', 'P', 'account_adjusted'],
    ['', 'Y', 'account_adjusted'],
    ['0100', 'P', 'unknown'],
    ['9999', 'A', 'unknown'],
    ['05', 'E', 'unknown'],
  ])('%s/%s -> %s', (mtid, txnType, kind) => {
    expect(kindOf(mtid, txnType)).toBe(kind);
  });

  it('trims the Visa two-digit clearing MTID padding', () => {
    expect(sut({ MTID: '05  ', Txn_Type: 'P' }).kind).toBe('presented');
  });
});

describe('mapCardMessage', () => {
  it('types a well-formed 0100/A', () => {
    const message = sut({});
    expect(message.malformed).toBeUndefined();
    expect(message.kind).toBe('auth_requested');
    expect(message.txnId).toBe('4816503021');
    expect(message.billAmount).toEqual({
      money: { amountMinor: -1250n, currency: 'GBP' },
      subMinor: false,
      raw: '-12.5000',
    });
    expect(message.txnAmount?.money).toEqual({ amountMinor: 1250n, currency: 'GBP' });
    expect(message.mcc).toBe('5999');
    expect(message.merchant).toMatchObject({
      name: 'ROBLOX CORPORATION',
      city: '888-858-2569',
      region: 'CA',
      source: 'de43_mastercard',
    });
    expect(message.receivedAt).toBe(RECEIVED_AT);
    expect(message.payloadHash).toMatch(/^[0-9a-f]{64}$/);
  });

  describe('amounts (A27)', () => {
    it.each([
      ['392', '-1500.0000', -1500n, false],
      ['414', '-1.2340', -1234n, false],
      ['414', '-1.2345', -1235n, true],
      ['826', '-12.5', -1250n, false],
      ['826', '-0.0001', -1n, true],
    ])('Bill_Ccy %s, Bill_Amt %s -> %s minor units', (currency, amount, minor, subMinor) => {
      const message = sut({
        Bill_Ccy: currency,
        Bill_Amt: amount,
        Txn_CCy: currency,
        Txn_Amt: amount.replace('-', ''),
      });
      expect(message.malformed).toBeUndefined();
      expect(message.billAmount?.money.amountMinor).toBe(minor);
      expect(message.billAmount?.subMinor).toBe(subMinor);
    });

    it('rounds credits toward zero', () => {
      const message = sut({ Bill_Ccy: '414', Bill_Amt: '1.2345', Proc_Code: '200000' });
      expect(message.billAmount?.money.amountMinor).toBe(1234n);
    });

    it.each(['1e3', '12,50', 'NaN', '+1', '.5', ' ', '1234567890123456'])(
      'marks %j malformed',
      (amount) => {
        const message = sut({ Bill_Amt: amount });
        expect(message.malformed?.fields).toContain('Bill_Amt');
      },
    );
  });

  it.each([
    [{ TXn_ID: '' }, 'missing_txn_id', 'TXn_ID'],
    [{ TXn_ID: '12ab' }, 'invalid_txn_id', 'TXn_ID'],
    [{ Bill_Ccy: '999' }, 'invalid_bill_ccy', 'Bill_Ccy'],
    [{ Bill_Ccy: '959' }, 'invalid_bill_ccy', 'Bill_Ccy'],
    [{ Token: '' }, 'missing_token', 'Token'],
    [{ Proc_Code: '' }, 'missing_proc_code', 'Proc_Code'],
    [{ Proc_Code: '200000' }, 'amount_sign_mismatch', 'Bill_Amt'],
    [{ MCC_Code: '59a9' }, 'invalid_mcc_code', 'MCC_Code'],
    [{ SendingAttemptCount: '-1' }, 'invalid_sendingattemptcount', 'SendingAttemptCount'],
    [{ Authorised_by_GPS: 'maybe' }, 'invalid_authorised_by_gps', 'Authorised_by_GPS'],
  ])('marks %j malformed as %s', (overrides, reason, field) => {
    const message = sut(overrides);
    expect(message.malformed?.reason).toBe(reason);
    expect(message.malformed?.fields).toContain(field);
  });

  it('treats a duplicated field as malformed rather than picking one copy', () => {
    expect(sut({}, ['Bill_Amt']).malformed).toEqual(
      expect.objectContaining({ reason: 'ambiguous_field' }),
    );
  });

  it('never forwards CVV2, PIN or expiry values, and masks PAN-like runs in merchant text', () => {
    const message = sut({
      CVV2: '737',
      PIN: '1234ABCD',
      Expiry_Date: '2812',
      Merch_Name: 'SHOP 4111111111111111 LTD',
    });
    const serialised = JSON.stringify(message, (_key, value: unknown) =>
      typeof value === 'bigint' ? value.toString() : value,
    );
    expect(serialised).not.toMatch(/737|1234ABCD|2812|4111111111111111/);
    expect(message.merchant.name).toBe('SHOP [redacted] LTD');
  });

  it('prefers Merch_* fields over DE43', () => {
    const message = sut({
      Merch_Name: 'Roblox',
      Merch_City: 'San Mateo',
      Merch_Region: 'CA',
      Merch_Country: 'USA',
    });
    expect(message.merchant).toMatchObject({
      name: 'Roblox',
      city: 'San Mateo',
      region: 'CA',
      country: 'USA',
      source: 'merch_fields',
    });
  });

  it('keeps the payload hash across a re-send but not across a changed amount or secrets', () => {
    const original = sut({});
    expect(sut({ SendingAttemptCount: '1' }).payloadHash).toBe(original.payloadHash);
    expect(sut({ CVV2: '123' }).payloadHash).toBe(original.payloadHash);
    expect(sut({ Bill_Amt: '-12.6000' }).payloadHash).not.toBe(original.payloadHash);
  });

  it('reads re-send and stand-in flags', () => {
    const message = sut({ SendingAttemptCount: '1', Authorised_by_GPS: 'Y', Txn_Stat_Code: 'I' });
    expect(message).toMatchObject({
      sendingAttemptCount: 1,
      authorisedByProcessor: true,
      txnStatCode: 'I',
    });
  });
});
