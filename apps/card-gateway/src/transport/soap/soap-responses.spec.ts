import { currencyCode } from '@corebank/domain-money';

import type { CardMessageReply } from '../../application/process-card-message/process-card-message.use-case';
import { getTransactionResponseXml, soapFaultXml } from './soap-responses';

const GBP = currencyCode('GBP');
const KWD = currencyCode('KWD');
const JPY = currencyCode('JPY');

const APPROVED: CardMessageReply = {
  responseCode: '00',
  acknowledged: true,
  ledgerBalance: { amountMinor: 10000n, currency: GBP },
  availableBalance: { amountMinor: 8750n, currency: GBP },
  billAmountApproved: undefined,
  outcome: 'decided',
};

function resultChildren(xml: string): [string, string][] {
  return [...xml.matchAll(/<([A-Za-z_]+)>([^<]*)<\/\1>/g)].map((match) => [
    match[1] ?? '',
    match[2] ?? '',
  ]);
}

describe('getTransactionResponseXml (§3)', () => {
  it('emits every result field in WSDL order in the tempuri namespace', () => {
    const xml = getTransactionResponseXml(APPROVED, GBP);
    expect(xml).toContain(
      '<GetTransactionResponse xmlns="http://tempuri.org/"><GetTransactionResult>',
    );
    expect(resultChildren(xml)).toEqual([
      ['Responsestatus', '00'],
      ['CurBalance', '100.00'],
      ['AvlBalance', '87.50'],
      ['Acknowledgement', '1'],
      ['LoadAmount', '0'],
      ['Bill_Amt_Approved', '0'],
      ['Update_Balance', '0'],
      ['New_Balance_Sequence_Exthost', '0'],
      ['CurBalance_GPS_STIP', '0'],
      ['AvlBalance_GPS_STIP', '0'],
    ]);
    expect(xml).not.toContain('null');
  });

  it('formats balances with the currency exponent, zero when unknown', () => {
    const kwd = getTransactionResponseXml(
      {
        ...APPROVED,
        ledgerBalance: { amountMinor: -1234n, currency: KWD },
        availableBalance: undefined,
      },
      KWD,
    );
    expect(kwd).toContain('<CurBalance>-1.234</CurBalance><AvlBalance>0.000</AvlBalance>');
    const jpy = getTransactionResponseXml(
      { ...APPROVED, ledgerBalance: undefined, availableBalance: undefined },
      JPY,
    );
    expect(jpy).toContain('<CurBalance>0</CurBalance><AvlBalance>0</AvlBalance>');
    const none = getTransactionResponseXml(
      { ...APPROVED, ledgerBalance: undefined, availableBalance: undefined },
      undefined,
    );
    expect(none).toContain('<CurBalance>0</CurBalance>');
  });

  it('writes Acknowledgement 0 and refuses to pass on a malformed response code', () => {
    const xml = getTransactionResponseXml(
      { ...APPROVED, responseCode: 'null', acknowledged: false },
      GBP,
    );
    expect(xml).toContain('<Responsestatus>96</Responsestatus>');
    expect(xml).toContain('<Acknowledgement>0</Acknowledgement>');
  });
});

describe('soapFaultXml', () => {
  it('is a SOAP 1.1 Client fault with a fixed string', () => {
    expect(soapFaultXml('request rejected')).toContain(
      '<s:Fault><faultcode>s:Client</faultcode><faultstring>request rejected</faultstring></s:Fault>',
    );
  });
});
