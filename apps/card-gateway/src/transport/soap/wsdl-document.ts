/**
 * The WSDL we serve on `GET /ehi?wsdl` (wsdl/ehi-endpoint-v52.wsdl, pinned). At boot node-soap
 * parses it, so a WSDL that a SOAP stack cannot read, or that lacks GetTransaction, stops the
 * gateway from starting. The placeholder service address is rewritten per request to the host
 * the processor called, validated so a forged Host header cannot inject markup.
 */
import { readFileSync } from 'node:fs';

import { WSDL } from 'soap';

import { PlatformError } from '@corebank/platform-errors';

const PLACEHOLDER_LOCATION = 'http://card-gateway.invalid/ehi';
const SAFE_HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

export class WsdlDocument {
  private constructor(private readonly text: string) {}

  /** @throws PlatformError `invalid.wsdl` when the file is unreadable or not our contract. */
  static async load(path: string): Promise<WsdlDocument> {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (cause) {
      throw new PlatformError('invalid.wsdl', 'WSDL file unreadable', { retryable: false, cause });
    }
    if (!text.includes(PLACEHOLDER_LOCATION)) {
      throw new PlatformError('invalid.wsdl', 'WSDL lacks the placeholder service address', {
        retryable: false,
      });
    }
    const wsdl = new WSDL(text, path, {});
    await new Promise<void>((resolve, reject) => {
      wsdl.onReady((error) =>
        error
          ? reject(
              new PlatformError('invalid.wsdl', 'WSDL does not parse', {
                retryable: false,
                cause: error,
              }),
            )
          : resolve(),
      );
    });
    const described: unknown = wsdl.describeServices();
    if (!JSON.stringify(described).includes('"GetTransaction"')) {
      throw new PlatformError('invalid.wsdl', 'WSDL does not describe GetTransaction', {
        retryable: false,
      });
    }
    return new WsdlDocument(text);
  }

  withServiceLocation(
    scheme: 'http' | 'https',
    hostHeader: string | undefined,
    path: string,
  ): string {
    if (hostHeader === undefined || !SAFE_HOST.test(hostHeader)) {
      return this.text;
    }
    return this.text.replace(PLACEHOLDER_LOCATION, `${scheme}://${hostHeader}${path}`);
  }
}
