import type { StartedService } from '../bank-services';
import type { BankConfig } from '../config';
import { PublicHttpRouter } from './public-http-router';
import { publicRoutesOf } from './public-routes';

/** Headers from a service within this, or the router answers 504; streams then run on. */
const UPSTREAM_RESPONSE_TIMEOUT_MS = 10_000;
/** A client's whole request (headers and body) within this. */
const CLIENT_REQUEST_TIMEOUT_MS = 30_000;
/** Open client connections at once (each SSE subscriber holds one). */
const CONNECTIONS_MAX = 1_024;

export interface StartedPublicHttp {
  /** The router as a service of the bank, so the banner lists it and it stops in order. */
  readonly service: StartedService;
  readonly url: string;
  /** The web page; with the demo bearer token in its fragment when there is one. */
  readonly webAppUrl: string;
}

/** Starts the bank's one public port over the services already running. */
export async function startPublicHttp(
  config: BankConfig,
  services: readonly StartedService[],
  demoBearerToken: string | undefined,
): Promise<StartedPublicHttp> {
  const router = new PublicHttpRouter(
    {
      host: config.BANK_HOST,
      port: config.BANK_PUBLIC_PORT,
      upstreamResponseTimeoutMs: UPSTREAM_RESPONSE_TIMEOUT_MS,
      requestTimeoutMs: CLIENT_REQUEST_TIMEOUT_MS,
      connectionsMax: CONNECTIONS_MAX,
    },
    publicRoutesOf(services),
  );
  let port: number;
  try {
    port = await router.listen();
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
      throw new Error(
        `BANK_PUBLIC_PORT ${config.BANK_PUBLIC_PORT} is in use; set another, or 0 for a free one`,
        { cause: error },
      );
    }
    throw error;
  }
  const url = `http://${config.BANK_HOST}:${port}`;
  const webAppUrl =
    demoBearerToken === undefined
      ? `${url}/app`
      : `${url}/app#token=${encodeURIComponent(demoBearerToken)}`;
  return {
    service: {
      name: 'public-http',
      endpoints: { api: url, webApp: `${url}/app` },
      close: () => router.close(),
    },
    url,
    webAppUrl,
  };
}
