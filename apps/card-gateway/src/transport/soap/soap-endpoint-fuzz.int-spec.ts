/**
 * Fuzzing the running gateway over HTTP with 2,000 seeded mutations of a valid 0100 envelope:
 * truncations, wrong types in fields we read, huge values, unicode and byte junk, entity tricks.
 * Every mutation breaks something the gateway reads, so the only acceptable answers are a SOAP
 * Fault (HTTP 500/413) or code 30 with Acknowledgement 1; the authorization TEST DOUBLE must only
 * ever receive messages flagged `malformed`; the gateway must still serve a valid message after.
 */
import { Agent } from 'node:http';

import fc from 'fast-check';

import { allCurrencies } from '@corebank/domain-money';

import { AuthorizationServiceTestDouble } from '../../testing/authorization-service.test-double';
import { closeAll, startCardGateway, type RunningGateway } from '../../testing/gateway-process';
import {
  AUTH_REQUEST_FIELDS,
  getTransactionEnvelope,
} from '../../testing/get-transaction-envelope';
import {
  acknowledgementOf,
  isClientFault,
  responseStatusOf,
  soapPost,
  type SoapHttpReply,
} from '../../testing/soap-http-client';

const FUZZ_SEED = 20261122;
const FUZZ_RUN_COUNT = 2000;
const VALID_ENVELOPE = getTransactionEnvelope(AUTH_REQUEST_FIELDS);
const CURRENCY_NUMERIC_CODES = new Set(allCurrencies().map((currency) => currency.numericCode));

/** For each field the gateway reads on a 0100: is this (trimmed) text a valid value? */
const VALIDITY: Readonly<Record<string, (text: string) => boolean>> = {
  TXn_ID: (text) => /^\d{1,16}$/.test(text),
  Token: (text) => /^\d{1,16}$/.test(text),
  Proc_Code: (text) => /^\d{6}$/.test(text),
  Bill_Amt: (text) => /^-\d{1,15}(\.\d{1,4})?$/.test(text),
  Txn_Amt: (text) => /^-?\d{1,15}(\.\d{1,4})?$/.test(text),
  Bill_Ccy: (text) => CURRENCY_NUMERIC_CODES.has(text),
  Txn_CCy: (text) => CURRENCY_NUMERIC_CODES.has(text),
  MCC_Code: (text) => text === '' || /^\d{4}$/.test(text),
  SendingAttemptCount: (text) => text === '' || (/^\d{1,4}$/.test(text) && Number(text) <= 1000),
  Authorised_by_GPS: (text) => /^[YN]?$/.test(text),
};
const READ_FIELDS = Object.keys(VALIDITY);

function withField(name: string, rawXmlText: string): string {
  const value = AUTH_REQUEST_FIELDS[name] ?? '';
  const current = value === '' ? `<${name} />` : `<${name}>${value}</${name}>`;
  if (!VALID_ENVELOPE.includes(current)) {
    throw new Error(`fixture has no ${current}`);
  }
  return VALID_ENVELOPE.replace(current, `<${name}>${rawXmlText}</${name}>`);
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** What the XML text decodes to, as far as the test can know without parsing. */
function xmlSafe(text: string): boolean {
  return !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/.test(text);
}

const truncation = fc.integer({ min: 1, max: VALID_ENVELOPE.length - 1 }).map((length) => ({
  name: 'truncation',
  body: Buffer.from(VALID_ENVELOPE.slice(0, length)),
}));

const wrongType = fc
  .tuple(fc.constantFrom(...READ_FIELDS), fc.string({ unit: 'grapheme-ascii', maxLength: 24 }))
  .filter(([name, text]) => {
    const validity = VALIDITY[name];
    return (
      validity !== undefined &&
      !validity(text.trim()) &&
      !(name === 'MCC_Code' && text.trim() === '')
    );
  })
  .map(([name, text]) => ({
    name: `wrong type ${name}`,
    body: Buffer.from(withField(name, escapeText(text))),
  }));

const hugeValue = fc
  .tuple(
    fc.constantFrom(...READ_FIELDS, 'Note', 'Merch_Name_DE43'),
    fc.integer({ min: 1025, max: 70_000 }),
    fc.constantFrom('9', 'x', ' '),
  )
  .map(([name, length, character]) => ({
    name: `huge ${name}`,
    body: Buffer.from(withField(name, character.repeat(length))),
  }));

const unicodeJunk = fc
  .tuple(
    fc.constantFrom('TXn_ID', 'Token', 'Proc_Code', 'Bill_Amt', 'Bill_Ccy'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
  )
  .filter(([, junk]) => /[^0-9\s]/.test(junk))
  .map(([name, junk]) => {
    const value = AUTH_REQUEST_FIELDS[name] ?? '';
    const middle = Math.floor(value.length / 2);
    const text = `${value.slice(0, middle)}${junk}${value.slice(middle)}`;
    return {
      name: `unicode junk ${name}`,
      body: Buffer.from(withField(name, xmlSafe(text) ? escapeText(text) : text)),
    };
  });

const byteJunk = fc
  .tuple(
    fc.constantFrom('TXn_ID', 'Token', 'Bill_Amt'),
    fc.uint8Array({ minLength: 1, maxLength: 8 }),
  )
  .filter(([, bytes]) =>
    bytes.some(
      (byte) => !(byte >= 0x30 && byte <= 0x39) && ![0x09, 0x0a, 0x0d, 0x20].includes(byte),
    ),
  )
  .map(([name, bytes]) => {
    const marker = `<${name}>${AUTH_REQUEST_FIELDS[name] ?? ''}`;
    const at = VALID_ENVELOPE.indexOf(marker) + marker.length - 1;
    return {
      name: `byte junk ${name}`,
      body: Buffer.concat([
        Buffer.from(VALID_ENVELOPE.slice(0, at)),
        Buffer.from(bytes),
        Buffer.from(VALID_ENVELOPE.slice(at)),
      ]),
    };
  });

const ENTITY_TRICKS: readonly ((envelope: string) => string)[] = [
  (envelope) =>
    envelope
      .replace('<s:Envelope', '<!DOCTYPE s:Envelope [<!ENTITY x "4816503021">]><s:Envelope')
      .replace('>4816503021<', '>&x;<'),
  (envelope) =>
    envelope.replace(
      '<?xml version="1.0" encoding="utf-8"?>',
      '<!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd">',
    ),
  (envelope) => envelope.replace('<s:Body>', '<s:Body><!ENTITY y "z">'),
  (envelope) => envelope.replace('>4816503021<', '>&xxe;<'),
  (envelope) => envelope.replace('>4816503021<', '>&#0;<'),
  (envelope) => envelope.replace('>4816503021<', '>&#x110000;<'),
  (envelope) => envelope.replace('>4816503021<', '>48165&#x41;03021<'),
  (envelope) => envelope.replace('>4816503021<', '>4816503021&amp;<'),
  (envelope) => envelope.replace('>4816503021<', '><![CDATA[4816503021<'),
  (envelope) => envelope.replace('<s:Body>', '<s:Body><?xml-stylesheet href="x"?>'),
  (envelope) => envelope.replace('<s:Body>', '<s:Body><!-- unterminated'),
  (envelope) => envelope.replace('>-12.5000<', `>${'&#49;'.repeat(300)}<`),
  (envelope) =>
    envelope.replace(
      '<TXn_ID>4816503021</TXn_ID>',
      '<TXn_ID>4816503021</TXn_ID><TXn_ID>4816503022</TXn_ID>',
    ),
  (envelope) => envelope.replace('<Token>123456789</Token>', '<Token><n>123456789</n></Token>'),
];

const entityTrick = fc.integer({ min: 0, max: ENTITY_TRICKS.length - 1 }).map((index) => ({
  name: `entity trick ${index}`,
  body: Buffer.from((ENTITY_TRICKS[index] ?? ((envelope: string) => envelope))(VALID_ENVELOPE)),
}));

function acceptable(reply: SoapHttpReply): boolean {
  if (reply.status === 500 || reply.status === 413) {
    return isClientFault(reply.body);
  }
  return (
    reply.status === 200 &&
    responseStatusOf(reply.body) === '30' &&
    acknowledgementOf(reply.body) === '1'
  );
}

describe('card-gateway fuzzing', () => {
  const authorization = new AuthorizationServiceTestDouble();
  /** Every gateway that booted, so a failed beforeAll still closes what it opened. */
  const started: RunningGateway[] = [];
  let gateway: RunningGateway;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });

  beforeAll(async () => {
    gateway = await startCardGateway({
      CARD_GATEWAY_AUTHORIZATION_ADDRESS: await authorization.start(),
      CARD_GATEWAY_AUTH_MODE: 'none',
      CARD_GATEWAY_DEADLINE_BUDGET_MS: '1000',
    });
    started.push(gateway);
    await soapPost(gateway.port, VALID_ENVELOPE, { agent });
    authorization.reset();
  });

  afterAll(async () => {
    agent.destroy();
    await closeAll(started);
    await authorization.stop();
  });

  it(`answers ${FUZZ_RUN_COUNT} mutated envelopes with a Fault or 30, forwarding nothing as valid`, async () => {
    const outcomeCounts = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(truncation, wrongType, hugeValue, unicodeJunk, byteJunk, entityTrick),
        async (mutation) => {
          const reply = await soapPost(gateway.port, mutation.body, { agent });
          const outcome =
            reply.status === 200
              ? `200/${responseStatusOf(reply.body) ?? '?'}`
              : String(reply.status);
          outcomeCounts.set(outcome, (outcomeCounts.get(outcome) ?? 0) + 1);
          if (!acceptable(reply)) {
            throw new Error(`${mutation.name}: HTTP ${reply.status} ${reply.body.slice(0, 200)}`);
          }
        },
      ),
      { seed: FUZZ_SEED, numRuns: FUZZ_RUN_COUNT, endOnFailure: true },
    );
    process.stdout.write(`fuzz outcomes: ${JSON.stringify(Object.fromEntries(outcomeCounts))}\n`);
    const forwardedAsValid = authorization.received.filter(
      (message) => message.malformed === undefined,
    );
    expect(forwardedAsValid.map((message) => message.txnId)).toEqual([]);
    expect([...outcomeCounts.values()].reduce((total, count) => total + count, 0)).toBe(
      FUZZ_RUN_COUNT,
    );

    const after = await soapPost(gateway.port, VALID_ENVELOPE, { agent });
    expect(responseStatusOf(after.body)).toBe('00');
  }, 120_000);
});
