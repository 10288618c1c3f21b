/**
 * CPU cost per GetTransaction message: the card-gateway (hardened parse + mapping + gRPC call to
 * an authorization test double in another process) against a bare node-soap 1.13 server serving
 * the same WSDL with a constant answer. Each server runs in its own child process and reports its
 * own process.cpuUsage() over the measured requests, so the load generator's CPU is not counted.
 * Also times the two parsers alone, in-process, on the same 160-element envelope.
 *
 *   node -r @swc-node/register apps/card-gateway/scripts/measure-soap-cpu.ts
 *
 * Not a test: it asserts nothing and prints one JSON line per measurement.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { listen, WSDL } from 'soap';

import { mapCardMessage } from '../src/transport/soap/mapping/card-message.mapping';
import { parseSoapRequest } from '../src/transport/soap/xml/soap-xml-parser';
import { AuthorizationServiceTestDouble } from '../src/testing/authorization-service.test-double';
import { startCardGateway } from '../src/testing/gateway-process';
import {
  AUTH_REQUEST_FIELDS,
  getTransactionEnvelope,
  WSDL_PATH,
} from '../src/testing/get-transaction-envelope';
import { soapPost } from '../src/testing/soap-http-client';

const WARM_UP_REQUEST_COUNT = 500;
const MEASURED_REQUEST_COUNT = 4000;
const CONNECTION_COUNT = 4;
const PARSE_ITERATION_COUNT = 5000;
const ENVELOPE = getTransactionEnvelope(AUTH_REQUEST_FIELDS);

type ChildCommand = { kind: 'cpu_start' } | { kind: 'cpu_stop' };
type ChildReport =
  { kind: 'listening'; port: number } | { kind: 'cpu'; userMicros: number; systemMicros: number };

async function serveBareSoap(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const constantResult = {
    GetTransactionResult: {
      Responsestatus: '00',
      CurBalance: '100.00',
      AvlBalance: '87.50',
      Acknowledgement: 1,
      LoadAmount: 0,
      Bill_Amt_Approved: 0,
      Update_Balance: 0,
      New_Balance_Sequence_Exthost: 0,
      CurBalance_GPS_STIP: 0,
      AvlBalance_GPS_STIP: 0,
    },
  };
  listen(server, {
    path: '/ehi',
    services: {
      EndpointVersion52: {
        BasicHttpBinding_IEndpointVersion52: { GetTransaction: () => constantResult },
      },
    },
    xml: readFileSync(WSDL_PATH, 'utf8'),
  });
  return (server.address() as AddressInfo).port;
}

async function childMain(mode: string, authorizationAddress: string): Promise<void> {
  const port =
    mode === 'bare'
      ? await serveBareSoap()
      : (
          await startCardGateway({
            CARD_GATEWAY_AUTHORIZATION_ADDRESS: authorizationAddress,
            CARD_GATEWAY_AUTH_MODE: 'none',
          })
        ).port;
  let started = process.cpuUsage();
  process.on('message', (command: ChildCommand) => {
    if (command.kind === 'cpu_start') {
      started = process.cpuUsage();
      return;
    }
    const used = process.cpuUsage(started);
    process.send?.({
      kind: 'cpu',
      userMicros: used.user,
      systemMicros: used.system,
    } satisfies ChildReport);
  });
  process.send?.({ kind: 'listening', port } satisfies ChildReport);
}

function nextReport(child: ChildProcess): Promise<ChildReport> {
  return new Promise((resolve) => child.once('message', (report: ChildReport) => resolve(report)));
}

async function drive(
  port: number,
  requestCount: number,
  agent: Agent,
): Promise<{ statuses: Map<number, number>; elapsedMs: number }> {
  const statuses = new Map<number, number>();
  let next = 0;
  const startedAt = performance.now();
  const worker = async (): Promise<void> => {
    while (next < requestCount) {
      next += 1;
      const reply = await soapPost(port, ENVELOPE, { agent });
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: CONNECTION_COUNT }, () => worker()));
  return { statuses, elapsedMs: performance.now() - startedAt };
}

async function measureServer(
  mode: 'bare' | 'gateway',
  authorizationAddress: string,
): Promise<void> {
  const child = fork(__filename, ['child', mode, authorizationAddress], {
    execArgv: ['-r', '@swc-node/register'],
  });
  try {
    const listening = await nextReport(child);
    if (listening.kind !== 'listening') {
      throw new Error('child did not report its port');
    }
    const agent = new Agent({ keepAlive: true, maxSockets: CONNECTION_COUNT });
    await drive(listening.port, WARM_UP_REQUEST_COUNT, agent);
    child.send({ kind: 'cpu_start' } satisfies ChildCommand);
    const run = await drive(listening.port, MEASURED_REQUEST_COUNT, agent);
    const cpuReport = nextReport(child);
    child.send({ kind: 'cpu_stop' } satisfies ChildCommand);
    const cpu = await cpuReport;
    agent.destroy();
    if (cpu.kind !== 'cpu') {
      throw new Error('child did not report its CPU');
    }
    process.stdout.write(
      `${JSON.stringify({
        server: mode,
        requests: MEASURED_REQUEST_COUNT,
        statuses: Object.fromEntries(run.statuses),
        cpuMicrosPerMessage: Math.round(
          (cpu.userMicros + cpu.systemMicros) / MEASURED_REQUEST_COUNT,
        ),
        wallMs: Math.round(run.elapsedMs),
      })}\n`,
    );
  } finally {
    child.kill();
  }
}

async function measureParsers(): Promise<void> {
  const body = Buffer.from(ENVELOPE);
  const time = (work: () => void): number => {
    for (let index = 0; index < PARSE_ITERATION_COUNT / 5; index += 1) {
      work();
    }
    const startedAt = process.cpuUsage();
    for (let index = 0; index < PARSE_ITERATION_COUNT; index += 1) {
      work();
    }
    const used = process.cpuUsage(startedAt);
    return Math.round((used.user + used.system) / PARSE_ITERATION_COUNT);
  };
  const gatewayParseMicros = time(() => {
    const parsed = parseSoapRequest(body);
    if (parsed.kind === 'request') {
      mapCardMessage({
        fields: parsed.request.fields,
        ambiguousFields: parsed.request.ambiguousFields,
        receivedAt: new Date(),
      });
    }
  });
  const wsdl = new WSDL(readFileSync(WSDL_PATH, 'utf8'), WSDL_PATH, {});
  await new Promise<void>((resolve, reject) =>
    wsdl.onReady((error) => (error ? reject(error) : resolve())),
  );
  const soapParseMicros = time(() => {
    wsdl.xmlToObject(ENVELOPE);
  });
  process.stdout.write(
    `${JSON.stringify({ parser: 'gateway parseSoapRequest+mapCardMessage', cpuMicrosPerMessage: gatewayParseMicros })}\n`,
  );
  process.stdout.write(
    `${JSON.stringify({ parser: 'node-soap WSDL.xmlToObject', cpuMicrosPerMessage: soapParseMicros })}\n`,
  );
}

async function main(): Promise<void> {
  const [role, mode = '', authorizationAddress = ''] = process.argv.slice(2);
  if (role === 'child') {
    await childMain(mode, authorizationAddress);
    return;
  }
  await measureParsers();
  const authorization = new AuthorizationServiceTestDouble();
  const address = await authorization.start();
  try {
    await measureServer('bare', address);
    await measureServer('gateway', address);
  } finally {
    await authorization.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
