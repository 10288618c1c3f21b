/**
 * The gateway over real HTTP, booted from its Nest module, calling a grpc-js TEST DOUBLE of the
 * authorization service (the real one comes later, against the same contract). Covers
 * CARD-PROCESSOR.md A28–A34, A36, the deadline fallback, the WSDL and a third-party client.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';

import { authorizationV1 } from '@corebank/contracts-proto';

import { AuthorizationServiceTestDouble } from '../../testing/authorization-service.test-double';
import { closeAll, startCardGateway, type RunningGateway } from '../../testing/gateway-process';
import {
  AUTH_REQUEST_FIELDS,
  getTransactionEnvelope,
  XSD_PATH,
} from '../../testing/get-transaction-envelope';
import {
  acknowledgementOf,
  isClientFault,
  responseStatusOf,
  soapPost,
} from '../../testing/soap-http-client';

const run = promisify(execFile);
// Debian's interpreter sees python3-zeep and lxml; the python3 on PATH may not (TOOLCHAIN.md).
const PYTHON = '/usr/bin/python3';
/**
 * Tests that need authorization's answer use a generous budget: this machine runs eight
 * engineers' suites on two cores, and they are about behaviour, not speed. The deadline tests run
 * against a second gateway with the production default (80 ms).
 */
const BEHAVIOUR_BUDGET_MS = 1000;
const DEFAULT_BUDGET_MS = 80;
const CHUNK_PACING_MS = 20;
/** Far below the double's 5 s hang: proves the gateway answered on its own deadline. */
const DEADLINE_ANSWER_BOUND_MS = 1000;
const { CardMessageKind, MerchantSource } = authorizationV1;

describe('card-gateway SOAP endpoint over HTTP', () => {
  const authorization = new AuthorizationServiceTestDouble();
  /** Every gateway that booted, so a failed beforeAll still closes what it opened. */
  const started: RunningGateway[] = [];
  let gateway: RunningGateway;
  let defaultBudgetGateway: RunningGateway;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });

  beforeAll(async () => {
    const address = await authorization.start();
    gateway = await startCardGateway({
      CARD_GATEWAY_AUTHORIZATION_ADDRESS: address,
      CARD_GATEWAY_AUTH_MODE: 'none',
      CARD_GATEWAY_DEADLINE_BUDGET_MS: String(BEHAVIOUR_BUDGET_MS),
      CARD_GATEWAY_VOID_ATTEMPT_COUNT_MAX: '3',
    });
    started.push(gateway);
    defaultBudgetGateway = await startCardGateway({
      CARD_GATEWAY_AUTHORIZATION_ADDRESS: address,
      CARD_GATEWAY_AUTH_MODE: 'none',
      CARD_GATEWAY_VOID_ATTEMPT_COUNT_MAX: '3',
    });
    started.push(defaultBudgetGateway);
    // The first call pays for the gRPC channel's connection and JIT warm-up; a processor's
    // first message after a deploy may get 91 for that reason, which these tests are not about.
    await soapPost(gateway.port, getTransactionEnvelope(AUTH_REQUEST_FIELDS), { agent });
    await soapPost(defaultBudgetGateway.port, getTransactionEnvelope(AUTH_REQUEST_FIELDS), {
      agent,
    });
  });

  afterAll(async () => {
    agent.destroy();
    await closeAll(started);
    await authorization.stop();
  });

  beforeEach(() => authorization.reset());

  const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
    soapPost(gateway.port, body, { agent, headers });

  it('forwards a well-formed 0100 as a typed command and answers 00 with balances', async () => {
    const reply = await post(
      getTransactionEnvelope({ ...AUTH_REQUEST_FIELDS, CVV2: '737', Expiry_Date: '2812' }),
    );
    expect(reply.status).toBe(200);
    expect(responseStatusOf(reply.body)).toBe('00');
    expect(reply.body).toContain(
      '<CurBalance>100.00</CurBalance><AvlBalance>87.50</AvlBalance><Acknowledgement>1</Acknowledgement>',
    );
    expect(authorization.received).toHaveLength(1);
    const message = authorization.received[0];
    expect(message).toMatchObject({
      kind: CardMessageKind.CARD_MESSAGE_KIND_AUTH_REQUESTED,
      txnId: '4816503021',
      token: '123456789',
      billAmount: { amountMinor: -1250n, currencyCode: 'GBP', subMinor: false, raw: '-12.5000' },
      malformed: undefined,
    });
    expect(
      JSON.stringify(message, (_key, value: unknown) =>
        typeof value === 'bigint' ? String(value) : value,
      ),
    ).not.toMatch(/737|2812/);
  });

  it('accepts application/xml and application/soap+xml, refuses other types and charsets with a Fault', async () => {
    const envelope = getTransactionEnvelope(AUTH_REQUEST_FIELDS);
    expect((await post(envelope, { 'content-type': 'application/xml' })).status).toBe(200);
    expect(
      (await post(envelope, { 'content-type': 'application/soap+xml; charset=UTF-8' })).status,
    ).toBe(200);
    const refused = await post(envelope, { 'content-type': 'text/xml; charset=iso-8859-1' });
    expect(refused.status).toBe(500);
    expect(isClientFault(refused.body)).toBe(true);
    expect((await post(envelope, { 'content-type': 'application/json' })).status).toBe(500);
    expect(authorization.received).toHaveLength(2);
  });

  it('A28: truncated XML gets an HTTP 500 Client Fault that does not echo input, nothing forwarded', async () => {
    const envelope = getTransactionEnvelope(AUTH_REQUEST_FIELDS);
    const reply = await post(envelope.slice(0, Math.floor(envelope.length / 2)));
    expect(reply.status).toBe(500);
    expect(isClientFault(reply.body)).toBe(true);
    expect(reply.body).not.toContain('4816503021');
    expect(authorization.received).toHaveLength(0);
  });

  it('rejects an unknown operation with a Fault', async () => {
    const reply = await post(
      '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><Cut_Off xmlns="http://tempuri.org/" /></s:Body></s:Envelope>',
    );
    expect(reply.status).toBe(500);
    expect(reply.body).toContain('<faultstring>unknown operation</faultstring>');
  });

  describe('A29: XXE', () => {
    let spy: Server;
    let spyConnectionCount = 0;

    beforeAll(async () => {
      spy = createServer((_request, response) => response.end('<x>leaked</x>'));
      spy.on('connection', () => {
        spyConnectionCount += 1;
      });
      await new Promise<void>((resolve) => spy.listen(0, '127.0.0.1', resolve));
    });

    afterAll(async () => {
      await new Promise<void>((resolve) => spy.close(() => resolve()));
    });

    it('refuses external file and http entities without reading or connecting', async () => {
      const spyUrl = `http://127.0.0.1:${(spy.address() as AddressInfo).port}/entity`;
      const body = getTransactionEnvelope({
        ...AUTH_REQUEST_FIELDS,
        Merch_Name: '&file;&remote;',
      }).replace(/&amp;(file|remote);/g, '&$1;');
      const withDoctype = body.replace(
        '<s:Envelope',
        `<!DOCTYPE s:Envelope [<!ENTITY file SYSTEM "file:///etc/passwd"><!ENTITY remote SYSTEM "${spyUrl}">]><s:Envelope`,
      );
      const withoutDeclaration = withDoctype.replace(/^<\?xml[^>]*\?>/, '');
      for (const attack of [withDoctype, withoutDeclaration, body]) {
        const reply = await post(attack);
        expect(reply.status).toBe(500);
        expect(isClientFault(reply.body)).toBe(true);
        expect(reply.body).not.toMatch(/root:|leaked/);
      }
      expect(spyConnectionCount).toBe(0);
      expect(authorization.received).toHaveLength(0);
    });
  });

  it('A30: entity bombs are refused with a Fault, quickly and without memory growth', async () => {
    const lolEntities = Array.from({ length: 9 }, (_, level) =>
      level === 0
        ? '<!ENTITY lol0 "lol">'
        : `<!ENTITY lol${level} "${`&lol${level - 1};`.repeat(10)}">`,
    ).join('');
    const nested = `<?xml version="1.0"?><!DOCTYPE s [${lolEntities}]>${getTransactionEnvelope({
      ...AUTH_REQUEST_FIELDS,
      Note: 'NOTE',
    })
      .replace(/^<\?xml[^>]*\?>/, '')
      .replace('NOTE', '&lol8;')}`;
    const bigEntity = `<!DOCTYPE s [<!ENTITY big "${'x'.repeat(30_000)}">]>${getTransactionEnvelope(
      { ...AUTH_REQUEST_FIELDS, Note: 'NOTE' },
    )
      .replace(/^<\?xml[^>]*\?>/, '')
      .replace('NOTE', '&big;'.repeat(1000))}`;
    const numericReferences = getTransactionEnvelope({
      ...AUTH_REQUEST_FIELDS,
      Note: 'NOTE',
    }).replace('NOTE', '&#65;'.repeat(100_000));
    global.gc?.();
    const rssBeforeBytes = process.memoryUsage().rss;
    const outcomes: string[] = [];
    for (const [name, attack] of [
      ['nested lol', nested],
      ['big entity x 1000', bigEntity],
      ['100k numeric refs', numericReferences],
    ] as const) {
      const reply = await post(attack);
      expect([500, 413]).toContain(reply.status);
      expect(isClientFault(reply.body)).toBe(true);
      outcomes.push(
        `${name}: HTTP ${reply.status} in ${reply.elapsedMs.toFixed(1)} ms (${attack.length} bytes)`,
      );
    }
    const rssGrowthMiB = (process.memoryUsage().rss - rssBeforeBytes) / (1024 * 1024);
    process.stdout.write(`A30 ${outcomes.join('; ')}; RSS growth ${rssGrowthMiB.toFixed(2)} MiB\n`);
    // Loose bound (the test process also runs jest): an expanded bomb would be hundreds of MiB.
    expect(rssGrowthMiB).toBeLessThan(50);
    expect(authorization.received).toHaveLength(0);
  });

  describe('A31: 2 MiB body', () => {
    it('is refused from its Content-Length before a body byte is read', async () => {
      const reply = await post(Buffer.alloc(2 * 1024 * 1024, 0x20));
      expect(reply.status).toBe(413);
      expect(isClientFault(reply.body)).toBe(true);
    });

    it('is refused while streaming (chunked), before the client finished sending', async () => {
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const chunkCountMax = 32; // 2 MiB
      let chunksWritten = 0;
      let answered = false;
      const status = await new Promise<number>((resolve, reject) => {
        const request = httpRequest(
          {
            host: '127.0.0.1',
            port: gateway.port,
            method: 'POST',
            path: '/ehi',
            headers: { 'content-type': 'text/xml', 'transfer-encoding': 'chunked' },
          },
          (response) => {
            answered = true;
            response.resume();
            resolve(response.statusCode ?? 0);
            request.destroy();
          },
        );
        request.on('error', (error) => (answered ? undefined : reject(error)));
        // Paced writes: the reply arriving while chunks remain proves the gateway answered
        // without reading the whole body (kernel buffers would otherwise absorb 2 MiB at once).
        const writeNext = (): void => {
          if (answered) {
            return;
          }
          if (chunksWritten >= chunkCountMax) {
            request.end();
            return;
          }
          chunksWritten += 1;
          request.write(chunk);
          setTimeout(writeNext, CHUNK_PACING_MS);
        };
        writeNext();
      });
      expect(status).toBe(413);
      expect(chunksWritten).toBeLessThan(chunkCountMax);
      process.stdout.write(
        `A31 chunked: refused after ${chunksWritten} of ${chunkCountMax} 64 KiB chunks were written\n`,
      );
    });
  });

  it.each([
    ['missing TXn_ID', { TXn_ID: '' }, 'missing_txn_id'],
    ['Bill_Ccy=999', { Bill_Ccy: '999' }, 'invalid_bill_ccy'],
  ])(
    'A32: a well-formed 0100 with %s gets 30, Ack 1, and is recorded as malformed',
    async (_name, overrides, reason) => {
      const reply = await post(getTransactionEnvelope({ ...AUTH_REQUEST_FIELDS, ...overrides }));
      expect(reply.status).toBe(200);
      expect(responseStatusOf(reply.body)).toBe('30');
      expect(acknowledgementOf(reply.body)).toBe('1');
      expect(authorization.received[0]?.malformed?.reason).toBe(reason);
    },
  );

  it('A36: DE43 is parsed (MC layout, control bytes stripped) before forwarding', async () => {
    await post(
      getTransactionEnvelope({
        ...AUTH_REQUEST_FIELDS,
        Merch_Name_DE43: 'ROBLOX CORPORATION\u0007    888-858-2569  CA',
      }),
    );
    expect(authorization.received[0]?.merchant).toMatchObject({
      name: 'ROBLOX CORPORATION',
      city: '888-858-2569',
      region: 'CA',
      source: MerchantSource.MERCHANT_SOURCE_DE43_MASTERCARD,
    });
  });

  describe(`deadline budget (default ${DEFAULT_BUDGET_MS} ms)`, () => {
    const post = (body: string) => soapPost(defaultBudgetGateway.port, body, { agent });

    it('answers 91 for a 0100 within the budget when authorization hangs, then voids it', async () => {
      authorization.reset('hang');
      const reply = await post(getTransactionEnvelope(AUTH_REQUEST_FIELDS));
      expect(reply.status).toBe(200);
      expect(responseStatusOf(reply.body)).toBe('91');
      expect(acknowledgementOf(reply.body)).toBe('1');
      expect(reply.elapsedMs).toBeLessThan(DEADLINE_ANSWER_BOUND_MS);
      process.stdout.write(
        `deadline: 0100 answered 91 after ${reply.elapsedMs.toFixed(1)} ms (budget ${DEFAULT_BUDGET_MS} ms)\n`,
      );
      await waitFor(() => authorization.voids.length === 1);
      expect(authorization.voids[0]).toMatchObject({
        txnId: '4816503021',
        answeredResponseCode: '91',
      });
    });

    it('answers 96 with Acknowledgement 0 for a 1240/P when authorization hangs, and voids nothing (the processor re-sends it)', async () => {
      authorization.reset('hang');
      const reply = await post(
        getTransactionEnvelope({
          ...AUTH_REQUEST_FIELDS,
          MTID: '1240',
          Txn_Type: 'P',
          TXn_ID: '5000000001',
        }),
      );
      expect(responseStatusOf(reply.body)).toBe('96');
      expect(acknowledgementOf(reply.body)).toBe('0');
      // A decide message sent after it (the double still hangs) is voided; had the 1240/P been
      // voided too, it would be the first entry.
      await post(getTransactionEnvelope({ ...AUTH_REQUEST_FIELDS, TXn_ID: '5000000002' }));
      await waitFor(() => authorization.voids.length === 1);
      expect(authorization.voids.map((entry) => entry.txnId)).toEqual(['5000000002']);
    });

    it('answers 91 at once when authorization fails', async () => {
      authorization.reset('fail');
      const reply = await post(getTransactionEnvelope(AUTH_REQUEST_FIELDS));
      expect(responseStatusOf(reply.body)).toBe('91');
      await waitFor(() => authorization.voids.length === 1);
    });
  });

  it('GET /ehi?wsdl serves our WSDL with the service address rewritten to the called host', async () => {
    const reply = await soapPost(gateway.port, '', { method: 'GET', path: '/ehi?wsdl', agent });
    expect(reply.status).toBe(200);
    expect(reply.body).toContain(
      `<soap:address location="http://127.0.0.1:${gateway.port}/ehi" />`,
    );
    const forged = await soapPost(gateway.port, '', {
      method: 'GET',
      path: '/ehi?wsdl',
      agent,
      headers: { host: 'evil"><x' },
    });
    expect(forged.body).not.toContain('evil');
  });

  it('A34: replies of every kind validate against our XSD (lxml)', async () => {
    const replies: Record<string, string> = {};
    replies.approved = (await post(getTransactionEnvelope(AUTH_REQUEST_FIELDS))).body;
    replies.formatError = (
      await post(getTransactionEnvelope({ ...AUTH_REQUEST_FIELDS, Bill_Ccy: '999' }))
    ).body;
    replies.kwd = (
      await post(
        getTransactionEnvelope({ ...AUTH_REQUEST_FIELDS, Bill_Ccy: '414', Bill_Amt: '-1.2345' }),
      )
    ).body;
    authorization.reset('fail');
    replies.issuerInoperative = (await post(getTransactionEnvelope(AUTH_REQUEST_FIELDS))).body;
    replies.notificationResend = (
      await post(getTransactionEnvelope({ ...AUTH_REQUEST_FIELDS, MTID: '1240', Txn_Type: 'P' }))
    ).body;
    expect(replies.kwd).toContain('<CurBalance>10.000</CurBalance><AvlBalance>8.765</AvlBalance>');
    const script = `
import json, sys
from lxml import etree
schema = etree.XMLSchema(etree.parse(sys.argv[1]))
out = {}
for name, xml in json.load(sys.stdin).items():
    root = etree.fromstring(xml.encode('utf-8'))
    body = root.find('{http://schemas.xmlsoap.org/soap/envelope/}Body')
    response = body[0]
    out[name] = [response.tag, schema.validate(response), str(schema.error_log)]
print(json.dumps(out))
`;
    const child = run(PYTHON, ['-c', script, XSD_PATH], { timeout: 30_000 });
    child.child.stdin?.end(JSON.stringify(replies));
    const report = JSON.parse((await child).stdout) as Record<string, [string, boolean, string]>;
    for (const [name, [tag, valid, errors]] of Object.entries(report)) {
      expect({ name, tag, valid, errors }).toEqual({
        name,
        tag: '{http://tempuri.org/}GetTransactionResponse',
        valid: true,
        errors: '',
      });
    }
  });

  it('a third-party client (python zeep) reads ?wsdl and calls GetTransaction', async () => {
    const script = `
import json, sys
import zeep
client = zeep.Client(sys.argv[1])
fields = json.loads(sys.argv[2])
result = client.service.GetTransaction(**fields)
print(json.dumps({'Responsestatus': result['Responsestatus'], 'CurBalance': str(result['CurBalance']), 'Acknowledgement': result['Acknowledgement']}))
`;
    const { stdout } = await run(
      PYTHON,
      [
        '-c',
        script,
        `http://127.0.0.1:${gateway.port}/ehi?wsdl`,
        JSON.stringify(AUTH_REQUEST_FIELDS),
      ],
      { timeout: 30_000 },
    );
    expect(JSON.parse(stdout)).toEqual({
      Responsestatus: '00',
      CurBalance: '100.00',
      Acknowledgement: 1,
    });
    expect(authorization.received[0]?.txnId).toBe('4816503021');
  });
});

/** Polls a condition every 10 ms for at most 2 s. */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (condition()) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not met within 2 s');
}
