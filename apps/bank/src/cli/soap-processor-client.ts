/** What the card-gateway answered to one GetTransaction (CARD-PROCESSOR.md §3). */
export interface GetTransactionReply {
  readonly responseStatus: string;
  /** Ledger balance after the message, a decimal in the billing currency. */
  readonly currentBalance: string;
  /** Available balance (after holds). */
  readonly availableBalance: string;
  /** 1: processed, the processor must not resend; 0: resend. */
  readonly acknowledged: boolean;
}

function elementText(body: string, name: string): string | undefined {
  return new RegExp(`<(?:\\w+:)?${name}>([^<]*)</(?:\\w+:)?${name}>`).exec(body)?.[1];
}

/**
 * Posts GetTransaction envelopes to the card-gateway as the processor does (SOAP 1.1 over HTTP,
 * the v5.2 SOAPAction). One request at a time per call; each bounded by `timeoutMs`.
 */
export class SoapProcessorClient {
  constructor(
    private readonly endpointUrl: string,
    private readonly timeoutMs: number,
  ) {}

  async getTransaction(envelope: string): Promise<GetTransactionReply> {
    const response = await fetch(this.endpointUrl, {
      method: 'POST',
      headers: {
        'content-type': 'text/xml; charset=utf-8',
        soapaction: '"http://tempuri.org/IEndpointVersion52/GetTransaction"',
      },
      body: envelope,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const body = await response.text();
    const responseStatus = elementText(body, 'Responsestatus');
    if (!response.ok || responseStatus === undefined) {
      const fault = elementText(body, 'faultstring') ?? body.slice(0, 200);
      throw new Error(`SOAP endpoint answered HTTP ${response.status}: ${fault}`);
    }
    return {
      responseStatus,
      currentBalance: elementText(body, 'CurBalance') ?? '',
      availableBalance: elementText(body, 'AvlBalance') ?? '',
      acknowledged: elementText(body, 'Acknowledgement') === '1',
    };
  }
}
