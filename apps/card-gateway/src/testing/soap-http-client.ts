import { request as httpRequest, Agent as HttpAgent, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';

export interface SoapHttpReply {
  readonly status: number;
  readonly body: string;
  readonly elapsedMs: number;
}

export interface SoapHttpOptions {
  readonly method?: string;
  readonly path?: string;
  readonly headers?: OutgoingHttpHeaders;
  readonly agent?: HttpAgent | HttpsAgent;
  readonly tls?: boolean;
  readonly timeoutMs?: number;
}

/** One request, the whole reply read; rejects on a socket error or after timeoutMs (default 10 s). */
export function soapPost(
  port: number,
  body: string | Buffer,
  options: SoapHttpOptions = {},
): Promise<SoapHttpReply> {
  const startedAt = performance.now();
  const send = options.tls === true ? httpsRequest : httpRequest;
  return new Promise<SoapHttpReply>((resolve, reject) => {
    const request = send(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'POST',
        path: options.path ?? '/ehi',
        agent: options.agent,
        headers: {
          'content-type': 'text/xml; charset=utf-8',
          soapaction: '"http://tempuri.org/IEndpointVersion52/GetTransaction"',
          ...(options.method === 'GET' ? {} : { 'content-length': Buffer.byteLength(body) }),
          ...options.headers,
        },
        timeout: options.timeoutMs ?? 10_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            elapsedMs: performance.now() - startedAt,
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error('soapPost timed out')));
    request.on('error', reject);
    request.end(options.method === 'GET' ? undefined : body);
  });
}

export function responseStatusOf(body: string): string | undefined {
  return /<Responsestatus>([^<]*)<\/Responsestatus>/.exec(body)?.[1];
}

export function acknowledgementOf(body: string): string | undefined {
  return /<Acknowledgement>([^<]*)<\/Acknowledgement>/.exec(body)?.[1];
}

export function isClientFault(body: string): boolean {
  return body.includes('<faultcode>s:Client</faultcode>');
}
