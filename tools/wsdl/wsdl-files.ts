/**
 * Paths and small readers shared by the WSDL tests, so both check the same files the same way.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const REPOSITORY_ROOT = resolve(__dirname, '../..');
export const WSDL_PATH = resolve(REPOSITORY_ROOT, 'wsdl/ehi-endpoint-v52.wsdl');
export const XSD_PATH = resolve(REPOSITORY_ROOT, 'wsdl/ehi-get-transaction.xsd');

export const TARGET_NAMESPACE = 'http://tempuri.org/';
export const SERVICE_NAME = 'EndpointVersion52';
export const PORT_NAME = 'BasicHttpBinding_IEndpointVersion52';
export const GET_TRANSACTION_SOAP_ACTION = 'http://tempuri.org/IEndpointVersion52/GetTransaction';

/** CARD-PROCESSOR.md §3, in wire order, with the XSD type we promise for each. */
export const RESULT_FIELDS = [
  ['Responsestatus', 'xs:string'],
  ['CurBalance', 'xs:decimal'],
  ['AvlBalance', 'xs:decimal'],
  ['Acknowledgement', 'xs:int'],
  ['LoadAmount', 'xs:decimal'],
  ['Bill_Amt_Approved', 'xs:decimal'],
  ['Update_Balance', 'xs:int'],
  ['New_Balance_Sequence_Exthost', 'xs:long'],
  ['CurBalance_GPS_STIP', 'xs:decimal'],
  ['AvlBalance_GPS_STIP', 'xs:decimal'],
] as const;

export function readWsdl(): string {
  return readFileSync(WSDL_PATH, 'utf8');
}

export function readXsd(): string {
  return readFileSync(XSD_PATH, 'utf8');
}
