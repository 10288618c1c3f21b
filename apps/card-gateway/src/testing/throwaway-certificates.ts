/**
 * Throwaway PKI for the authentication tests, made with the openssl CLI in a temp dir: a CA, a
 * server certificate for 127.0.0.1, a client certificate from the same CA, and a self-signed
 * "rogue" client certificate the gateway must refuse.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const OPENSSL_TIMEOUT_MS = 20_000;

export interface ThrowawayCertificates {
  readonly directory: string;
  readonly caPath: string;
  readonly serverCertificatePath: string;
  readonly serverKeyPath: string;
  readonly caPem: string;
  readonly clientCertificatePem: string;
  readonly clientKeyPem: string;
  readonly rogueCertificatePem: string;
  readonly rogueKeyPem: string;
  remove(): Promise<void>;
}

async function openssl(directory: string, args: string[]): Promise<void> {
  await run('openssl', args, { cwd: directory, timeout: OPENSSL_TIMEOUT_MS });
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export async function createThrowawayCertificates(): Promise<ThrowawayCertificates> {
  const directory = await mkdtemp(join(tmpdir(), 'card-gateway-pki-'));
  await openssl(directory, [
    'req',
    '-x509',
    ...EC_KEY,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=card-gateway test CA',
  ]);
  await writeFile(join(directory, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  await writeFile(join(directory, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, extensions] of [
    ['server', 'server.ext'],
    ['client', 'client.ext'],
  ] as const) {
    await openssl(directory, [
      'req',
      '-new',
      ...EC_KEY,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name === 'server' ? '127.0.0.1' : 'card-processor'}`,
    ]);
    await openssl(directory, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      '-extfile',
      extensions,
    ]);
  }
  await openssl(directory, [
    'req',
    '-x509',
    ...EC_KEY,
    '-keyout',
    'rogue.key',
    '-out',
    'rogue.crt',
    '-days',
    '1',
    '-subj',
    '/CN=card-processor',
  ]);
  const read = (file: string): Promise<string> => readFile(join(directory, file), 'utf8');
  return {
    directory,
    caPath: join(directory, 'ca.crt'),
    serverCertificatePath: join(directory, 'server.crt'),
    serverKeyPath: join(directory, 'server.key'),
    caPem: await read('ca.crt'),
    clientCertificatePem: await read('client.crt'),
    clientKeyPem: await read('client.key'),
    rogueCertificatePem: await read('rogue.crt'),
    rogueKeyPem: await read('rogue.key'),
    remove: () => rm(directory, { recursive: true, force: true }),
  };
}
