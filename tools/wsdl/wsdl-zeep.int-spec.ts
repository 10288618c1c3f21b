/**
 * A second, independent SOAP stack reads our WSDL: python zeep (Debian python3-zeep), the client
 * TOOLCHAIN.md verified against node-soap servers. lxml (a zeep dependency) validates sample
 * messages against the standalone XSD, so the schema is proven to accept what §3 says we send and
 * to reject what it forbids.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { EngineMissingError } from '@corebank/testing-engines';

import { APPENDIX_A_ELEMENTS } from './appendix-a-elements';
import {
  GET_TRANSACTION_SOAP_ACTION,
  RESULT_FIELDS,
  TARGET_NAMESPACE,
  WSDL_PATH,
  XSD_PATH,
} from './wsdl-files';

const run = promisify(execFile);
// Debian's interpreter: the python3 on PATH may be a separate build that cannot see python3-zeep.
const PYTHON = '/usr/bin/python3';
const PYTHON_TIMEOUT_MS = 30_000;

async function python(args: string[], stdin?: string): Promise<string> {
  const child = run(PYTHON, args, { timeout: PYTHON_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 });
  if (stdin !== undefined) {
    child.child.stdin?.end(stdin);
  }
  return (await child).stdout;
}

/** Reads the WSDL with zeep's API and validates the sample documents given on stdin with lxml. */
const INSPECT_AND_VALIDATE = `
import json, sys
import zeep
from lxml import etree
wsdl_path, xsd_path = sys.argv[1], sys.argv[2]
client = zeep.Client(wsdl_path)
binding = client.wsdl.services['EndpointVersion52'].ports['BasicHttpBinding_IEndpointVersion52'].binding
operation = binding.get('GetTransaction')
request = operation.input.body
response = operation.output.body
result = response.type.elements[0][1]
schema = etree.XMLSchema(etree.parse(xsd_path))
samples = json.load(sys.stdin)
print(json.dumps({
  'soapAction': operation.soapaction,
  'style': operation.style,
  'requestElement': request.qname.text,
  'requestChildren': [name for name, _ in request.type.elements],
  'responseElement': response.qname.text,
  'resultChildren': [[name, element.type.qname.localname] for name, element in result.type.elements],
  'valid': {name: schema.validate(etree.fromstring(xml.encode('utf-8'))) for name, xml in samples.items()},
}))
`;

interface ZeepReport {
  soapAction: string;
  style: string;
  requestElement: string;
  requestChildren: string[];
  responseElement: string;
  resultChildren: [string, string][];
  valid: Record<string, boolean>;
}

function resultDocument(values: Readonly<Record<string, string>>): string {
  const children = Object.entries(values)
    .map(([name, value]) => `<${name}>${value}</${name}>`)
    .join('');
  return (
    `<GetTransactionResponse xmlns="${TARGET_NAMESPACE}">` +
    `<GetTransactionResult>${children}</GetTransactionResult></GetTransactionResponse>`
  );
}

const CARD_PROCESSOR_EXAMPLE_RESULT: Readonly<Record<string, string>> = {
  Responsestatus: '00',
  CurBalance: '112.34',
  AvlBalance: '99.84',
  Acknowledgement: '1',
  LoadAmount: '0',
  Bill_Amt_Approved: '0',
  Update_Balance: '0',
  New_Balance_Sequence_Exthost: '0',
  CurBalance_GPS_STIP: '0',
  AvlBalance_GPS_STIP: '0',
};

function withoutField(name: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(CARD_PROCESSOR_EXAMPLE_RESULT).filter(([field]) => field !== name),
  );
}

const SAMPLES: Readonly<Record<string, string>> = {
  // Appendix A: a real 0100 carries every element, most of them empty.
  fullRequest:
    `<GetTransaction xmlns="${TARGET_NAMESPACE}">` +
    APPENDIX_A_ELEMENTS.map((name) =>
      name === 'ProductID' || name === 'SubBIN' ? `<${name}>7</${name}>` : `<${name} />`,
    ).join('') +
    '</GetTransaction>',
  sparseRequest: `<GetTransaction xmlns="${TARGET_NAMESPACE}"><TXn_ID>1</TXn_ID><MTID>0100</MTID></GetTransaction>`,
  reorderedRequest: `<GetTransaction xmlns="${TARGET_NAMESPACE}"><MTID>0100</MTID><TXn_ID>1</TXn_ID></GetTransaction>`,
  exampleResponse: resultDocument(CARD_PROCESSOR_EXAMPLE_RESULT),
  negativeBalanceResponse: resultDocument({
    ...CARD_PROCESSOR_EXAMPLE_RESULT,
    CurBalance: '-3.00',
    AvlBalance: '-3.00',
  }),
  responseWithoutStatus: resultDocument(withoutField('Responsestatus')),
  responseWithoutCurBalance: resultDocument(withoutField('CurBalance')),
  responseWithNullBalance: resultDocument({ ...CARD_PROCESSOR_EXAMPLE_RESULT, AvlBalance: 'null' }),
  responseInWrongNamespace: resultDocument(CARD_PROCESSOR_EXAMPLE_RESULT).replace(
    TARGET_NAMESPACE,
    'http://example.com/',
  ),
};

describe('the card processor WSDL read by python zeep', () => {
  let report: ZeepReport;
  let cliSignature: string;

  beforeAll(async () => {
    try {
      await python(['-c', 'import zeep, lxml']);
    } catch {
      throw new EngineMissingError('python zeep (/usr/bin/python3)', 'python3-zeep');
    }
    const stdout = await python(
      ['-c', INSPECT_AND_VALIDATE, WSDL_PATH, XSD_PATH],
      JSON.stringify(SAMPLES),
    );
    report = JSON.parse(stdout) as ZeepReport;
    cliSignature = await python(['-m', 'zeep', WSDL_PATH]);
  });

  it('finds GetTransaction, document style, with the EHI SOAPAction', () => {
    expect(report.soapAction).toBe(GET_TRANSACTION_SOAP_ACTION);
    expect(report.style).toBe('document');
    expect(report.requestElement).toBe(`{${TARGET_NAMESPACE}}GetTransaction`);
    expect(report.responseElement).toBe(`{${TARGET_NAMESPACE}}GetTransactionResponse`);
  });

  it('reads the 160 request elements in Appendix A order', () => {
    expect(report.requestChildren).toEqual([...APPENDIX_A_ELEMENTS]);
  });

  it('reads the §3 result fields in order with their types', () => {
    expect(report.resultChildren).toEqual(
      RESULT_FIELDS.map(([name, type]) => [name, type.replace('xs:', '')]),
    );
  });

  it('prints the operation signature from `python3 -m zeep`', () => {
    const signature = `GetTransaction(${APPENDIX_A_ELEMENTS.map(
      (name) => `${name}: xsd:${name === 'ProductID' || name === 'SubBIN' ? 'int' : 'string'}`,
    ).join(', ')}) -> GetTransactionResult: ns0:EndpointResponse52`;
    expect(cliSignature).toContain(signature);
  });

  it('accepts what we send and what the processor sends', () => {
    expect(report.valid).toMatchObject({
      fullRequest: true,
      sparseRequest: true,
      exampleResponse: true,
      negativeBalanceResponse: true,
      responseWithoutStatus: true,
    });
  });

  it('rejects out-of-order elements, a missing or null balance, and a foreign namespace', () => {
    expect(report.valid).toMatchObject({
      reorderedRequest: false,
      responseWithoutCurBalance: false,
      responseWithNullBalance: false,
      responseInWrongNamespace: false,
    });
  });
});
