import { currencyOf } from '@corebank/domain-money';

import {
  authorizationRequestFields,
  getTransactionEnvelope,
  newPaymentLifecycle,
  newProcessorTxnId,
  presentmentFields,
  readGetTransactionElements,
  reversalFields,
} from './processor-messages';

const lifecycle = newPaymentLifecycle({
  cardToken: '900000001',
  currency: currencyOf('GBP'),
  amountMinor: 1250n,
  merchant: {
    name: 'CORNER SHOP',
    city: 'LONDON',
    countryAlpha2: 'GB',
    countryAlpha3: 'GBR',
    mcc: '5411',
  },
  startedAt: new Date(Date.UTC(2026, 10, 22, 10, 5, 7, 123)),
});

describe('GetTransaction envelopes the CLI sends as the processor', () => {
  const elements = readGetTransactionElements();

  it('carry every Appendix A element of the pinned XSD, in order, unset ones empty', () => {
    expect(elements.length).toBeGreaterThanOrEqual(160);
    const envelope = getTransactionEnvelope(elements, authorizationRequestFields(lifecycle));
    const names = [...envelope.matchAll(/<([A-Za-z_0-9]+)(?: \/)?>/g)]
      .map((match) => match[1])
      .filter((name) => name !== 'GetTransaction');
    expect(names.filter((name) => elements.includes(name ?? ''))).toEqual(elements);
    expect(envelope).toContain('<Note />');
    expect(envelope).toContain('<Bill_Amt>-12.50</Bill_Amt>');
    expect(envelope).toContain('<Bill_Ccy>826</Bill_Ccy>');
  });

  it('refuses a field the contract does not have', () => {
    expect(() => getTransactionEnvelope(elements, { Not_An_Element: '1' })).toThrow(
      'Not_An_Element',
    );
  });

  it('escapes merchant text', () => {
    const envelope = getTransactionEnvelope(elements, { Merch_Name_DE43: 'A&B <SHOP>' });
    expect(envelope).toContain('<Merch_Name_DE43>A&amp;B &lt;SHOP&gt;</Merch_Name_DE43>');
  });
});

describe('one payment lifecycle', () => {
  it('authorises as a 0100/A debit with the processor timestamp formats', () => {
    const fields = authorizationRequestFields(lifecycle);
    expect(fields).toMatchObject({
      MTID: '0100',
      Txn_Type: 'A',
      Proc_Code: '000000',
      Bill_Amt: '-12.50',
      Txn_Amt: '12.50',
      TXn_ID: lifecycle.authorizationTxnId,
      traceid_lifecycle: lifecycle.traceidLifecycle,
      Txn_GPS_Date: '2026-11-22 10:05:07.123',
      TXN_Time_DE07: '1122100507',
      MCC_Code: '5411',
    });
    expect(fields['Merch_Name_DE43']).toHaveLength(40);
  });

  it('clears with a 1240/P pointing at the authorisation, under a new TXn_ID', () => {
    const fields = presentmentFields(lifecycle, new Date(Date.UTC(2026, 10, 23)));
    expect(fields).toMatchObject({
      MTID: '1240',
      Txn_Type: 'P',
      Matching_Txn_ID: lifecycle.authorizationTxnId,
      Auth_Code_DE38: lifecycle.authCode,
      Bill_Amt: '-12.50',
    });
    expect(fields['TXn_ID']).not.toBe(lifecycle.authorizationTxnId);
  });

  it('reverses with a 0400/D crediting the whole amount on the same lifecycle', () => {
    const fields = reversalFields(lifecycle, new Date(Date.UTC(2026, 10, 22, 11)));
    expect(fields).toMatchObject({
      MTID: '0400',
      Txn_Type: 'D',
      traceid_lifecycle: lifecycle.traceidLifecycle,
      Bill_Amt: '12.50',
      Txn_Amt: '12.50',
    });
  });

  it('numbers messages with twelve digits that do not repeat within a burst', () => {
    const at = new Date(Date.UTC(2026, 10, 22));
    const ids = Array.from({ length: 5000 }, () => newProcessorTxnId(at));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => /^\d{12}$/.test(id))).toBe(true);
  });
});
