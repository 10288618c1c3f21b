import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type AcceptanceCard, CardPathServices, eventData } from '../support/card-path-services';
import {
  expectNoCardDataAtRest,
  purchaseFields,
  sendCardDataEnvelopes,
  sendGetTransaction,
} from '../support/card-path-scenario';
import { type EnvelopeFields, getTransactionEnvelope } from '../support/get-transaction-envelope';
import { soapFaultCode } from '../support/soap-reply';

// Hostile and broken input (A28–A31) and a ledger outage (A33) through the real SOAP endpoint,
// with ledger, authorization and card-gateway as child processes started once for this file.
jest.setTimeout(120_000);

let services: CardPathServices;

beforeAll(async () => {
  services = await CardPathServices.start();
});

afterAll(async () => {
  await services?.stop();
  services?.removeDirectory();
});

const RELAY_SETTLE_MS = 300;
const TWO_MIB = 2 * 1024 * 1024;

function send(fields: EnvelopeFields) {
  return sendGetTransaction(services, fields);
}

async function expectBalances(card: AcceptanceCard, ledger: bigint, available: bigint) {
  expect(await services.cardBalance(card)).toEqual({ ledger, available });
  expect(await services.ledgerBalance(card)).toEqual({ ledger, available });
}

/** A refused request: HTTP 500 with a SOAP 1.1 Client fault that does not echo the input. */
async function expectClientFault(body: string): Promise<string> {
  const reply = await services.post(body);
  expect(reply.status).toBe(500);
  expect(soapFaultCode(reply.body)).toMatch(/^(\w+:)?Client$/);
  return reply.body;
}

/** No event for `txnId` appears once the outbox relay had time to publish one. */
async function expectNoEvent(txnId: string): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, RELAY_SETTLE_MS));
  expect(services.events.filter((event) => eventData(event)['txnId'] === txnId)).toEqual([]);
}

/** The gateway still answers an ordinary authorization. */
async function expectGatewayStillServes(card: AcceptanceCard): Promise<void> {
  expect((await send(purchaseFields(services, card, 100n))).responseStatus).toBe('00');
}

function withDoctype(doctype: string, fields: EnvelopeFields): string {
  const envelope = getTransactionEnvelope(fields);
  return envelope.replace('?>', `?>${doctype}`);
}

describe('A28 a truncated envelope', () => {
  it('is answered with a Client fault and changes nothing', async () => {
    const card = await services.openCard();
    const message = purchaseFields(services, card, 1250n);
    const envelope = getTransactionEnvelope(message);
    for (const cut of [envelope.length - 40, Math.floor(envelope.length / 2), 60]) {
      await expectClientFault(envelope.slice(0, cut));
    }
    await expectBalances(card, 10_000n, 10_000n);
    await expectNoEvent(message.TXn_ID ?? '');
  });
});

describe('A29 external entities (XXE)', () => {
  let spy: Server;
  let spyConnections = 0;
  let spyPort = 0;
  let secretDirectory = '';

  beforeAll(async () => {
    spy = createServer((_request, response) => response.end('spied'));
    spy.on('connection', () => {
      spyConnections += 1;
    });
    await new Promise<void>((resolve) => spy.listen(0, '127.0.0.1', resolve));
    const address = spy.address();
    spyPort = typeof address === 'object' && address !== null ? address.port : 0;
    secretDirectory = mkdtempSync(join(tmpdir(), 'acceptance-xxe-'));
  });

  afterAll(async () => {
    await new Promise((resolve) => spy.close(resolve));
    rmSync(secretDirectory, { recursive: true, force: true });
  });

  it('a SYSTEM file or http entity is refused: no file read, no outbound connection', async () => {
    const secretPath = join(secretDirectory, 'secret.txt');
    const secretMarker = 'XXE-SECRET-MARKER-7f3a';
    writeFileSync(secretPath, secretMarker);
    const card = await services.openCard();
    for (const target of [
      `file://${secretPath}`,
      'file:///etc/passwd',
      `http://127.0.0.1:${spyPort}/x`,
    ]) {
      const message = purchaseFields(services, card, 1250n, { Note: '&xxe;' });
      const envelope = withDoctype(
        `<!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM "${target}">]>`,
        message,
      ).replace('<Note>&amp;xxe;</Note>', '<Note>&xxe;</Note>');
      expect(envelope).toContain('<Note>&xxe;</Note>');
      const body = await expectClientFault(envelope);
      expect(body).not.toContain(secretMarker);
      expect(body).not.toContain('root:');
    }
    // A parameter entity pointing at the spy, the classic out-of-band exfiltration.
    await expectClientFault(
      withDoctype(
        `<!DOCTYPE s:Envelope [<!ENTITY % remote SYSTEM "http://127.0.0.1:${spyPort}/dtd"> %remote;]>`,
        purchaseFields(services, card, 1250n),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, RELAY_SETTLE_MS));
    expect(spyConnections).toBe(0);
    await expectBalances(card, 10_000n, 10_000n);
  });
});

function residentSetKib(pid: number): number {
  // Linux only, like the machine this suite runs on.
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
}

describe('A30 entity expansion bombs', () => {
  it('nested lol entities, one big entity × 1000 and numeric references are all refused', async () => {
    const card = await services.openCard();
    const lol = [
      '<!ENTITY lol "lol">',
      ...Array.from(
        { length: 9 },
        (_, level) =>
          `<!ENTITY lol${level + 1} "${`&lol${level === 0 ? '' : level};`.repeat(10)}">`,
      ),
    ].join('');
    const bombs = [
      withDoctype(`<!DOCTYPE s:Envelope [${lol}]>`, purchaseFields(services, card, 100n)).replace(
        '<Note />',
        '<Note>&lol9;</Note>',
      ),
      withDoctype(
        `<!DOCTYPE s:Envelope [<!ENTITY big "${'B'.repeat(10_000)}">]>`,
        purchaseFields(services, card, 100n),
      ).replace('<Note />', `<Note>${'&big;'.repeat(1000)}</Note>`),
      getTransactionEnvelope(purchaseFields(services, card, 100n)).replace(
        '<Note />',
        `<Note>${'&#65;'.repeat(12_000)}</Note>`,
      ),
    ];
    const rssBeforeKib = residentSetKib(services.gateway.pid);
    for (const bomb of bombs) {
      const reply = await services.post(bomb);
      expect([413, 500]).toContain(reply.status);
      expect(soapFaultCode(reply.body)).toMatch(/^(\w+:)?Client$/);
    }
    const rssGrowthKib = residentSetKib(services.gateway.pid) - rssBeforeKib;
    expect(rssGrowthKib).toBeLessThan(5 * 1024);
    await expectBalances(card, 10_000n, 10_000n);
    await expectGatewayStillServes(card);
  });
});

/**
 * Sends a request declaring (or streaming) `totalBytes` but stops writing as soon as a reply
 * arrives; resolves with the status and how many bytes had been written by then.
 */
function sendOversized(
  totalBytes: number,
  chunked: boolean,
): Promise<{ status: number; body: string; bytesWritten: number; reset: boolean }> {
  return new Promise((resolve, reject) => {
    let bytesWritten = 0;
    let answered = false;
    const outgoing = request(
      {
        host: '127.0.0.1',
        port: services.gateway.port,
        method: 'POST',
        path: '/ehi',
        timeout: 15_000,
        headers: {
          'content-type': 'text/xml; charset=utf-8',
          ...(chunked ? {} : { 'content-length': String(totalBytes) }),
        },
      },
      (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            bytesWritten,
            reset: false,
          });
          outgoing.destroy();
        });
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('oversized request timed out')));
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (answered) {
        return;
      }
      // The gateway answers and closes while we are still writing; the kernel may then reset
      // the connection and drop its reply. Refused before the whole body was sent is the point.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') {
        answered = true;
        resolve({ status: 0, body: '', bytesWritten, reset: true });
      } else {
        reject(error);
      }
    });
    const chunk = Buffer.alloc(16 * 1024, 'A');
    const writeMore = () => {
      // Half the body at most: a reply can only come from refusing before reading it all.
      if (answered || bytesWritten >= totalBytes / 2) {
        return;
      }
      bytesWritten += chunk.length;
      outgoing.write(chunk, () => setImmediate(writeMore));
    };
    outgoing.write('<?xml version="1.0" encoding="utf-8"?><s:Envelope>');
    writeMore();
  });
}

describe('A31 a 2 MiB body', () => {
  it('is refused before it is read whole, by declared length and while streaming', async () => {
    const card = await services.openCard();
    for (const chunked of [false, true]) {
      const reply = await sendOversized(TWO_MIB, chunked);
      if (!reply.reset) {
        expect([413, 500]).toContain(reply.status);
        expect(soapFaultCode(reply.body)).toMatch(/^(\w+:)?Client$/);
      }
      expect(reply.bytesWritten).toBeLessThan(TWO_MIB);
    }
    await expectGatewayStillServes(card);
  });
});

describe('A33 the ledger goes down', () => {
  it('a decide message gets 91 and holds nothing', async () => {
    const card = await services.openCard();
    expect((await send(purchaseFields(services, card, 1250n))).responseStatus).toBe('00');
    await services.killLedger();
    try {
      const duringOutage = purchaseFields(services, card, 1000n);
      expect(await send(duringOutage)).toMatchObject({
        responseStatus: '91',
        acknowledgement: '1',
      });
    } finally {
      await services.restartLedger();
    }
    await services.awaitLedgerReachable(card);
    // Only the 12.50 approved before the outage is held; the 10.00 answered 91 holds nothing.
    await expectBalances(card, 10_000n, 8_750n);
  });

  // The gateway voids only decide messages: a notification answered 96 + Ack 0 must stay open
  // so the processor's re-send posts it once the ledger is back.
  it('a presentment gets 96 + Ack 0 during the outage and posts exactly once after recovery', async () => {
    const card = await services.openCard();
    const auth = purchaseFields(services, card, 1250n);
    expect((await send(auth)).responseStatus).toBe('00');
    const clearing = purchaseFields(services, card, 0n, {
      MTID: '05  ',
      Txn_Type: 'P',
      Bill_Amt: '-12.5000',
      Txn_Amt: '12.5000',
      traceid_lifecycle: auth.traceid_lifecycle,
    });
    await services.killLedger();
    try {
      expect(await send(clearing)).toMatchObject({ responseStatus: '96', acknowledgement: '0' });
    } finally {
      await services.restartLedger();
    }
    // The processor re-sends an unacknowledged message; the service's ledger channel
    // reconnects with backoff, so allow a bounded number of re-sends.
    let reply = await send(clearing);
    for (let attempt = 1; attempt <= 40 && reply.acknowledgement !== '1'; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      reply = await send(clearing);
    }
    expect(reply).toMatchObject({ responseStatus: '00', acknowledgement: '1' });
    expect(await send(clearing)).toMatchObject({ responseStatus: '00', acknowledgement: '1' });
    await expectBalances(card, 8_750n, 8_750n);
    const settled = await services.eventsFor(clearing.TXn_ID ?? '');
    expect(settled.map((event) => event.type)).toEqual(['authorization.transaction.settled.v1']);
  });
});

// Runs last: it stops the services to read their logs and stores whole.
describe('no card data at rest', () => {
  it('no PAN, CVV, PIN or expiry date sent in envelopes appears in any log line or stored record', async () => {
    const card = await services.openCard();
    await sendCardDataEnvelopes(services, card);
    await expectNoCardDataAtRest(services);
  });
});
