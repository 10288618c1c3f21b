/**
 * Proves wsdl/ehi-endpoint-v52.wsdl is what CARD-PROCESSOR.md §1–§3 and Appendix A describe, by
 * letting a real SOAP stack (node-soap 1.13) serve it and build a client from `?wsdl`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { type Client, createClientAsync, listen } from 'soap';

import { APPENDIX_A_ELEMENTS } from './appendix-a-elements';
import {
  GET_TRANSACTION_SOAP_ACTION,
  PORT_NAME,
  readWsdl,
  readXsd,
  RESULT_FIELDS,
  SERVICE_NAME,
  TARGET_NAMESPACE,
} from './wsdl-files';

type Description = Readonly<Record<string, unknown>>;

function child(description: unknown, key: string): Description {
  if (typeof description !== 'object' || description === null || !(key in description)) {
    throw new Error(`WSDL description has no "${key}"`);
  }
  const value = (description as Description)[key];
  if (typeof value !== 'object' || value === null) {
    throw new Error(`WSDL description "${key}" is not an object`);
  }
  return value as Description;
}

/** node-soap adds its own bookkeeping keys to a described element; keep only the fields. */
function fields(description: Description): [string, unknown][] {
  return Object.entries(description).filter(
    ([name]) => name !== 'targetNSAlias' && name !== 'targetNamespace',
  );
}

interface GetTransactionClient {
  GetTransactionAsync(args: Record<string, string | number>): Promise<[unknown, string]>;
}

describe('the card processor WSDL served and consumed by node-soap', () => {
  let server: Server;
  let baseUrl: string;
  let client: Client;
  const receivedRequests: unknown[] = [];

  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const service = {
      [SERVICE_NAME]: {
        [PORT_NAME]: {
          // A fixed reply shaped like CARD-PROCESSOR.md §3; the test checks the client decodes it.
          GetTransaction: (request: unknown) => {
            receivedRequests.push(request);
            return {
              GetTransactionResult: {
                Responsestatus: '00',
                CurBalance: '112.34',
                AvlBalance: '99.84',
                Acknowledgement: 1,
                LoadAmount: 0,
                Bill_Amt_Approved: 0,
                Update_Balance: 0,
                New_Balance_Sequence_Exthost: 0,
                CurBalance_GPS_STIP: 0,
                AvlBalance_GPS_STIP: 0,
              },
            };
          },
        },
      },
    };
    await new Promise<void>((resolve, reject) => {
      listen(server, '/ehi', service, readWsdl(), (error: unknown) =>
        error === undefined || error === null
          ? resolve()
          : reject(new Error("node-soap could not load the WSDL", { cause: error })),
      );
    });
    // The WSDL's address is a placeholder the gateway rewrites; point the client at this server.
    client = await createClientAsync(`${baseUrl}/ehi?wsdl`, {}, `${baseUrl}/ehi`);
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  });

  const operation = () =>
    child(child(child(client.describe(), SERVICE_NAME), PORT_NAME), 'GetTransaction');

  it('declares GetTransaction with all 160 Appendix A elements, in order', () => {
    const input = fields(child(operation(), 'input'));
    expect(APPENDIX_A_ELEMENTS).toHaveLength(160);
    expect(input.map(([name]) => name)).toEqual([...APPENDIX_A_ELEMENTS]);
  });

  it('types every request element as a string except ProductID and SubBIN (int)', () => {
    const input = new Map(fields(child(operation(), 'input')));
    for (const name of APPENDIX_A_ELEMENTS) {
      const expected = name === 'ProductID' || name === 'SubBIN' ? 'xs:int' : 'xs:string';
      expect([name, input.get(name)]).toEqual([name, expected]);
    }
  });

  it('declares the GetTransactionResult fields of §3 in order, in http://tempuri.org/', () => {
    const result = child(child(operation(), 'output'), 'GetTransactionResult');
    expect(fields(result)).toEqual(RESULT_FIELDS.map(([name, type]) => [name, type]));
    expect(result['targetNamespace']).toBe(TARGET_NAMESPACE);
  });

  it('round-trips a call with the SOAPAction and namespace of §1', async () => {
    const soapClient = client as unknown as GetTransactionClient;
    const [result, rawResponse] = await soapClient.GetTransactionAsync({
      TXn_ID: '5566778899',
      MTID: '0100',
      ProductID: 1234,
    });
    expect(client.lastRequestHeaders).toMatchObject({
      SOAPAction: `"${GET_TRANSACTION_SOAP_ACTION}"`,
    });
    expect(client.lastRequest).toContain(`<GetTransaction xmlns="${TARGET_NAMESPACE}">`);
    expect(receivedRequests).toEqual([{ TXn_ID: '5566778899', MTID: '0100', ProductID: 1234 }]);
    expect(rawResponse).toContain(`GetTransactionResponse xmlns="${TARGET_NAMESPACE}"`);
    // The client decodes by the schema types: decimals and ints become numbers here.
    expect(result).toEqual({
      GetTransactionResult: {
        Responsestatus: '00',
        CurBalance: 112.34,
        AvlBalance: 99.84,
        Acknowledgement: 1,
        LoadAmount: 0,
        Bill_Amt_Approved: 0,
        Update_Balance: 0,
        New_Balance_Sequence_Exthost: 0,
        CurBalance_GPS_STIP: 0,
        AvlBalance_GPS_STIP: 0,
      },
    });
  });
});

describe('the WSDL text', () => {
  const wsdl = readWsdl();

  it('is SOAP 1.1 document/literal with the EHI SOAPAction and a placeholder address', () => {
    expect(wsdl).toContain('xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"');
    expect(wsdl).toContain(
      '<soap:binding transport="http://schemas.xmlsoap.org/soap/http" style="document" />',
    );
    expect(wsdl).toContain(
      `<soap:operation soapAction="${GET_TRANSACTION_SOAP_ACTION}" style="document" />`,
    );
    expect(wsdl.match(/<soap:body use="literal" \/>/g)).toHaveLength(2);
    expect(wsdl).toContain('<wsdl:portType name="IEndpointVersion52">');
    expect(wsdl).toContain(`targetNamespace="${TARGET_NAMESPACE}"`);
    // .invalid can never resolve (RFC 2606): a client that skipped the rewrite fails loudly.
    expect(wsdl).toContain('<soap:address location="http://card-gateway.invalid/ehi" />');
  });

  it('marks every request element optional and every numeric result field required', () => {
    const requestElements = wsdl.match(/<xs:element minOccurs="0" maxOccurs="1" name="[^"]+"/g);
    // 160 request elements plus the optional Responsestatus.
    expect(requestElements).toHaveLength(161);
    for (const [name, type] of RESULT_FIELDS) {
      const minOccurs = type === 'xs:string' ? '0' : '1';
      expect(wsdl).toContain(
        `<xs:element minOccurs="${minOccurs}" maxOccurs="1" name="${name}" type="${type}" />`,
      );
    }
  });

  it('embeds exactly the schema of wsdl/ehi-get-transaction.xsd', () => {
    const embedded = /<wsdl:types>\n([\s\S]*?)\n {2}<\/wsdl:types>/.exec(wsdl)?.[1];
    const standalone = /(<xs:schema[\s\S]*<\/xs:schema>)/.exec(readXsd())?.[1];
    expect(embedded).toBeDefined();
    expect(embedded?.replace(/^ {4}/gm, '')).toBe(standalone);
  });
});
