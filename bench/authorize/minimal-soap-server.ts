/**
 * The framework's own limit for the authorize benchmark: a bare soap-package server serving our
 * WSDL (wsdl/ehi-endpoint-v52.wsdl) on /ehi with a constant GetTransactionResponse. Started as a
 * child process by authorize.bench.ts; prints a JSON "listening" line with its port.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { listen } from 'soap';

const WSDL_PATH = join(__dirname, '..', '..', 'wsdl', 'ehi-endpoint-v52.wsdl');

const CONSTANT_RESULT = {
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

async function main(): Promise<void> {
  const server = createServer();
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  listen(server, {
    path: '/ehi',
    services: {
      EndpointVersion52: {
        BasicHttpBinding_IEndpointVersion52: { GetTransaction: () => CONSTANT_RESULT },
      },
    },
    xml: readFileSync(WSDL_PATH, 'utf8'),
  });
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ message: 'minimal soap listening', port })}\n`);
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
