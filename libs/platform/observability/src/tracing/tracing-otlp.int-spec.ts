import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';

/** A stand-in OTLP/HTTP collector: records each POST (path, content type, body) it receives. */
async function startCollector(): Promise<{
  url: string;
  requests: { path: string; contentType: string; body: string }[];
  server: Server;
}> {
  const requests: { path: string; contentType: string; body: string }[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({
        path: request.url ?? '',
        contentType: request.headers['content-type'] ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
      });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1/traces`, requests, server };
}

const repositoryRoot = resolve(__dirname, '../../../../..');
const childScript = join(__dirname, '../../test/otlp-export-child.ts');

/** Runs the exporting child process to completion (bounded by a kill timeout). */
function runChild(collectorUrl: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      ['-r', '@swc-node/register', childScript, collectorUrl],
      { cwd: repositoryRoot, timeout: 30_000, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        if (error !== null) {
          reject(new Error(`child failed: ${error.message}\n${stderr}`));
          return;
        }
        resolvePromise(stdout);
      },
    );
  });
}

describe('OTLP/HTTP export', () => {
  let collector: Awaited<ReturnType<typeof startCollector>> | undefined;

  afterEach(async () => {
    await new Promise((resolve) => collector?.server.close(resolve));
  });

  it('sends finished spans, with the service name, to the configured endpoint', async () => {
    collector = await startCollector();

    const output = await runChild(collector.url);

    const { traceId } = JSON.parse(output) as { traceId: string };
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(collector.requests).toHaveLength(1);
    const [request] = collector.requests;
    expect(request.path).toBe('/v1/traces');
    expect(request.contentType).toContain('application/json');
    expect(request.body).toContain(traceId);
    expect(request.body).toContain('post transfer');
    expect(request.body).toContain('"ledger"');
  });
});
