/**
 * The processor-facing HTTP(S) endpoint: `GET /ehi?wsdl` and `POST /ehi` (CARD-PROCESSOR.md §1).
 *
 * Hot path, in order: deadline clock starts when the request arrives; processor authenticated at
 * the transport (mTLS); content type checked; body read with the size bound; XML parsed ONCE by
 * `parseSoapRequest`; WS-Security checked (if configured); fields mapped; one authorization call
 * within the remaining budget; reply written. A transport/XML/authentication failure is a SOAP
 * Fault and forwards nothing; every business outcome is HTTP 200 (§8).
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';

import type { Clock } from '@corebank/platform-clock';

import type { GatewayLog } from '../../application/process-card-message/gateway-log.port';
import type { ProcessCardMessageUseCase } from '../../application/process-card-message/process-card-message.use-case';
import { mapCardMessage } from './mapping/card-message.mapping';
import { readBoundedBody } from './read-bounded-body';
import { type FaultReason, getTransactionResponseXml, soapFaultXml } from './soap-responses';
import type { WsSecurityVerifier } from './ws-security';
import { parseSoapRequest, type SoapXmlLimits } from './xml/soap-xml-parser';
import type { WsdlDocument } from './wsdl-document';

export type ProcessorAuthentication =
  | {
      readonly mode: 'mutual_tls';
      readonly certificatePem: string;
      readonly privateKeyPem: string;
      readonly clientCaPem: string;
    }
  | {
      readonly mode: 'ws_security';
      readonly certificatePem: string;
      readonly privateKeyPem: string;
      readonly verifier: WsSecurityVerifier;
    }
  /** Plain HTTP, no processor authentication: loopback only (config refuses anything else). */
  | { readonly mode: 'none_loopback_only' };

export interface SoapEndpointOptions {
  readonly path: string;
  readonly deadlineBudgetMs: number;
  /** Kept back from the budget for serialising and writing the reply. */
  readonly replyReserveMs: number;
  readonly bodyByteCountMax: number;
  readonly xmlLimits: SoapXmlLimits;
  readonly authentication: ProcessorAuthentication;
}

export interface SoapEndpointDependencies {
  readonly useCase: ProcessCardMessageUseCase;
  readonly wsdl: WsdlDocument;
  readonly clock: Clock;
  readonly log: GatewayLog;
}

/**
 * A synthetic 0100 run through parse, map and reply at boot. The first message after a start
 * otherwise pays for lazy compilation of this path (measured ~150 ms on a loaded 2-core machine),
 * which alone would blow an 80 ms budget. Contains no real card data.
 */
const WARM_UP_ENVELOPE = Buffer.from(
  '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>' +
    '<GetTransaction xmlns="http://tempuri.org/"><MTID>0100</MTID><Txn_Type>A</Txn_Type>' +
    '<TXn_ID>1</TXn_ID><Token>1</Token><Proc_Code>000000</Proc_Code><Bill_Amt>-1.00</Bill_Amt>' +
    '<Bill_Ccy>826</Bill_Ccy><Txn_Amt>1.00</Txn_Amt><Txn_CCy>826</Txn_CCy><MCC_Code>5999</MCC_Code>' +
    '<Merch_Name_DE43>WARM UP                TEST CITY     GB</Merch_Name_DE43><Note />' +
    '</GetTransaction></s:Body></s:Envelope>',
);
const WARM_UP_ITERATION_COUNT = 200;

/** Runs the request path without I/O until V8 has compiled it; see WARM_UP_ENVELOPE. */
export function warmUpRequestPath(xmlLimits: SoapXmlLimits, now: Date): void {
  for (let iteration = 0; iteration < WARM_UP_ITERATION_COUNT; iteration += 1) {
    const parsed = parseSoapRequest(WARM_UP_ENVELOPE, xmlLimits);
    if (parsed.kind !== 'request') {
      throw new Error(`warm-up envelope rejected: ${parsed.reason}`);
    }
    const message = mapCardMessage({
      fields: parsed.request.fields,
      ambiguousFields: parsed.request.ambiguousFields,
      receivedAt: now,
    });
    getTransactionResponseXml(
      {
        responseCode: '00',
        acknowledged: true,
        ledgerBalance: message.billAmount?.money,
        availableBalance: undefined,
        billAmountApproved: undefined,
        outcome: 'decided',
      },
      message.billAmount?.money.currency,
    );
  }
}

const ACCEPTED_CONTENT_TYPES = new Set(['text/xml', 'application/xml', 'application/soap+xml']);
const GET_TRANSACTION = 'GetTransaction';

export function createSoapEndpointServer(
  options: SoapEndpointOptions,
  dependencies: SoapEndpointDependencies,
): Server {
  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    handleRequest(request, response, options, dependencies).catch((error: unknown) => {
      // Reaching here is a bug in the gateway itself; answer 96 shape-free and keep serving.
      dependencies.log.error('soap request handler failed', {
        errorName: error instanceof Error ? error.name : 'unknown',
      });
      if (!response.headersSent) {
        writeFault(response, 500, 'request rejected');
      } else {
        response.destroy();
      }
    });
  };
  const authentication = options.authentication;
  switch (authentication.mode) {
    case 'mutual_tls':
      return createHttpsServer(
        {
          cert: authentication.certificatePem,
          key: authentication.privateKeyPem,
          ca: authentication.clientCaPem,
          requestCert: true,
          // Checked per request instead, so an unauthenticated caller gets a Fault, not a reset.
          rejectUnauthorized: false,
          minVersion: 'TLSv1.2',
        },
        handle,
      );
    case 'ws_security':
      return createHttpsServer(
        {
          cert: authentication.certificatePem,
          key: authentication.privateKeyPem,
          minVersion: 'TLSv1.2',
        },
        handle,
      );
    case 'none_loopback_only':
      return createHttpServer(handle);
  }
}

async function handleRequest(
  request: IncomingMessage,
  response: ServerResponse,
  options: SoapEndpointOptions,
  dependencies: SoapEndpointDependencies,
): Promise<void> {
  const startedAtMs = performance.now();
  const receivedAt = dependencies.clock.now();
  // The processor POSTs to the bare path; only other requests (e.g. `?wsdl`) pay for URL parsing.
  const url =
    request.url === options.path
      ? undefined
      : new URL(request.url ?? '/', 'http://gateway.invalid');
  if (url !== undefined && url.pathname !== options.path) {
    writeFault(response, 404, 'not found');
    return;
  }
  if (
    options.authentication.mode === 'mutual_tls' &&
    (request.socket as TLSSocket).authorized !== true
  ) {
    dependencies.log.warn('processor client certificate refused', {
      remoteAddress: request.socket.remoteAddress,
    });
    writeFault(response, 401, 'unauthenticated');
    return;
  }
  if (request.method === 'GET' && url?.search.toLowerCase() === '?wsdl') {
    const scheme = options.authentication.mode === 'none_loopback_only' ? 'http' : 'https';
    const body = dependencies.wsdl.withServiceLocation(scheme, request.headers.host, options.path);
    response.writeHead(200, {
      'content-type': 'text/xml; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
    return;
  }
  if (request.method !== 'POST') {
    writeFault(response, 405, 'request rejected');
    return;
  }
  if (!acceptableContentType(request.headers['content-type'])) {
    writeFault(response, 500, 'unsupported content type');
    return;
  }
  const read = await readBoundedBody(request, options.bodyByteCountMax);
  if (read.kind === 'too_large') {
    dependencies.log.warn('soap request over size limit', {
      remoteAddress: request.socket.remoteAddress,
    });
    response.setHeader('connection', 'close');
    writeFault(response, 413, 'request too large');
    response.once('finish', () => request.destroy());
    return;
  }
  if (read.kind === 'aborted') {
    response.destroy();
    return;
  }
  const parsed = parseSoapRequest(read.body, options.xmlLimits);
  if (parsed.kind === 'rejected') {
    dependencies.log.warn('soap request rejected', {
      reason: parsed.reason,
      byteCount: read.body.length,
      remoteAddress: request.socket.remoteAddress,
    });
    writeFault(response, 500, 'request rejected');
    return;
  }
  if (parsed.request.operation !== GET_TRANSACTION) {
    writeFault(response, 500, 'unknown operation');
    return;
  }
  if (options.authentication.mode === 'ws_security') {
    const verdict = options.authentication.verifier.verify(
      parsed.request.usernameToken,
      receivedAt.getTime(),
    );
    if (verdict !== 'accepted') {
      dependencies.log.warn('processor ws-security token refused', {
        verdict,
        remoteAddress: request.socket.remoteAddress,
      });
      writeFault(response, 401, 'unauthenticated');
      return;
    }
  }
  const message = mapCardMessage({
    fields: parsed.request.fields,
    ambiguousFields: parsed.request.ambiguousFields,
    receivedAt,
  });
  const elapsedMs = performance.now() - startedAtMs;
  const timeoutMs = Math.max(
    0,
    Math.floor(options.deadlineBudgetMs - options.replyReserveMs - elapsedMs),
  );
  const reply = await dependencies.useCase.execute(message, timeoutMs);
  const body = getTransactionResponseXml(reply, message.billAmount?.money.currency);
  response.writeHead(200, {
    'content-type': 'text/xml; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

function acceptableContentType(header: string | undefined): boolean {
  if (header === undefined) {
    return false;
  }
  const [mediaType = '', ...parameters] = header
    .split(';')
    .map((part) => part.trim().toLowerCase());
  if (!ACCEPTED_CONTENT_TYPES.has(mediaType)) {
    return false;
  }
  const charset = parameters.find((parameter) => parameter.startsWith('charset='));
  return charset === undefined || /^charset="?utf-8"?$/.test(charset);
}

function writeFault(response: ServerResponse, status: number, reason: FaultReason): void {
  const body = soapFaultXml(reason);
  response.writeHead(status, {
    'content-type': 'text/xml; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}
