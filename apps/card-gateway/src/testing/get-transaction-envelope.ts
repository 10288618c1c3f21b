/**
 * Test fixtures: GetTransaction envelopes shaped like the processor's (all Appendix A elements in
 * order, most empty), read from the pinned XSD so the fixture cannot drift from the contract.
 * Used only by this app's *.spec.ts / *.int-spec.ts files.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const REPOSITORY_ROOT = resolve(__dirname, '../../../..');
export const WSDL_PATH = resolve(REPOSITORY_ROOT, 'wsdl/ehi-endpoint-v52.wsdl');
export const XSD_PATH = resolve(REPOSITORY_ROOT, 'wsdl/ehi-get-transaction.xsd');

function appendixAElements(): readonly string[] {
  const xsd = readFileSync(XSD_PATH, 'utf8');
  const start = xsd.indexOf('<xs:element name="GetTransaction">');
  const end = xsd.indexOf('</xs:element>', start);
  return [...xsd.slice(start, end).matchAll(/<xs:element [^>]*name="([^"]+)"/g)]
    .map((match) => match[1] ?? '')
    .filter((name) => name !== 'GetTransaction');
}

export const APPENDIX_A_ELEMENTS = appendixAElements();

/** A realistic approved-path 0100/A (S8 values), GBP, active test card token. */
export const AUTH_REQUEST_FIELDS: Readonly<Record<string, string>> = {
  Acquirer_id_DE32: '12345678',
  Auth_Code_DE38: '',
  Bill_Amt: '-12.5000',
  Bill_Ccy: '826',
  MCC_Code: '5999',
  Merch_ID_DE42: 'MERCHANT0001',
  Merch_Name_DE43: 'ROBLOX CORPORATION     888-858-2569  CA',
  POS_Data_DE22: '0510',
  POS_Termnl_DE41: 'TERM0001',
  Proc_Code: '000000',
  Resp_Code_DE39: '',
  Ret_Ref_No_DE37: '202201271234',
  Token: '123456789',
  Txn_Amt: '12.5000',
  Txn_CCy: '826',
  Txn_Ctry: 'GBR',
  Txn_GPS_Date: '2022-01-27 15:25:01.510',
  TXn_ID: '4816503021',
  Txn_Stat_Code: 'A',
  TXN_Time_DE07: '0127162501',
  Txn_Type: 'A',
  Authorised_by_GPS: 'N',
  MTID: '0100',
  SendingAttemptCount: '0',
  traceid_lifecycle: 'MCC1-20220127-482027555018107',
};

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Every Appendix A element in order; `fields` fill some, the rest are empty (`<Note />`). */
export function getTransactionEnvelope(
  fields: Readonly<Record<string, string>>,
  header = '',
): string {
  const children = APPENDIX_A_ELEMENTS.map((name) => {
    const value = fields[name];
    return value === undefined || value === ''
      ? `<${name} />`
      : `<${name}>${escapeText(value)}</${name}>`;
  }).join('');
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">' +
    (header === '' ? '' : `<s:Header>${header}</s:Header>`) +
    `<s:Body><GetTransaction xmlns="http://tempuri.org/">${children}</GetTransaction></s:Body></s:Envelope>`
  );
}
