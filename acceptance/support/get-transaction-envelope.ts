// The contract's own element list (CARD-PROCESSOR.md Appendix A), kept once, independent of our XSD.
import { APPENDIX_A_ELEMENTS } from '../../tools/wsdl/appendix-a-elements';

export type EnvelopeFields = Readonly<Partial<Record<string, string>>>;

/** Values of a realistic approved-path Visa 0100/A (CARD-PROCESSOR.md §2.2, S8), GBP. */
export const PURCHASE_AUTHORIZATION_FIELDS: EnvelopeFields = {
  Acquirer_id_DE32: '12345678',
  ActBal: '0.00',
  Avl_Bal: '0.00',
  BlkAmt: '0.00',
  Bill_Amt: '-12.5000',
  Bill_Ccy: '826',
  MCC_Code: '5999',
  MCC_Desc: 'Misc Specialty Retail',
  Merch_ID_DE42: 'MERCHANT0001   ',
  Merch_Name_DE43: 'CORNER SHOP              LONDON       GB',
  POS_Data_DE22: '0510',
  POS_Termnl_DE41: 'TERM0001',
  POS_Time_DE12: '152501',
  Proc_Code: '000000',
  Ret_Ref_No_DE37: '202201271234',
  Txn_Amt: '12.5000',
  Txn_CCy: '826',
  Txn_Ctry: 'GBR',
  Txn_GPS_Date: '2026-11-22 01:25:01.510',
  Txn_Stat_Code: 'A',
  TXN_Time_DE07: '1122012501',
  Txn_Type: 'A',
  Authorised_by_GPS: 'N',
  MTID: '0100',
  ProductID: '1001',
  SubBIN: '45678901',
  SendingAttemptCount: '0',
  GPS_POS_Capability: '',
  Response_Source: '',
};

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A SOAP 1.1 `GetTransaction` as the processor sends it: all 160 Appendix A elements in order,
 * the ones without a value empty (`<Note />`). `fields` set values; an element set to
 * `undefined` through `omit` is left out entirely.
 */
export function getTransactionEnvelope(
  fields: EnvelopeFields,
  options: { readonly omit?: readonly string[] } = {},
): string {
  const omitted = new Set(options.omit ?? []);
  const children = APPENDIX_A_ELEMENTS.filter((name) => !omitted.has(name))
    .map((name) => {
      const value = fields[name];
      return value === undefined || value === ''
        ? `<${name} />`
        : `<${name}>${escapeText(value)}</${name}>`;
    })
    .join('');
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">' +
    `<s:Body><GetTransaction xmlns="http://tempuri.org/">${children}</GetTransaction></s:Body>` +
    '</s:Envelope>'
  );
}
