import { ProbeServiceClient, ProbeServiceService, type ProbeResponse } from './generated/probe';
import {
  createRpcClient,
  RpcServer,
  type RpcClient,
  type RpcClientOptions,
  type RpcServerOptions,
  type UnaryHandlers,
} from '../src';

/**
 * Starts real grpc-js servers and clients for the test proto on 127.0.0.1 and remembers them so
 * `stopAll()` (called from afterEach) closes every client and server a test started.
 */
export class ProbeFixture {
  private readonly servers: RpcServer[] = [];
  private readonly clients: RpcClient<typeof ProbeServiceService>[] = [];

  /** Starts a server and resolves its `host:port`. */
  async startServer(
    handlers: UnaryHandlers<typeof ProbeServiceService>,
    options: RpcServerOptions = {},
  ): Promise<string> {
    return (await this.startServerWithHandle(handlers, options)).address;
  }

  /** Starts a server and resolves it with its address, for tests that shut it down themselves. */
  async startServerWithHandle(
    handlers: UnaryHandlers<typeof ProbeServiceService>,
    options: RpcServerOptions = {},
  ): Promise<{ address: string; server: RpcServer }> {
    const server = new RpcServer(options);
    server.addService(ProbeServiceService, handlers);
    this.servers.push(server);
    const port = await server.listen('127.0.0.1', 0);
    return { address: `127.0.0.1:${port}`, server };
  }

  client(
    address: string,
    options: Omit<RpcClientOptions<typeof ProbeServiceService>, 'address'>,
  ): RpcClient<typeof ProbeServiceService> {
    const client = createRpcClient(ProbeServiceClient, { ...options, address });
    this.clients.push(client);
    return client;
  }

  async stopAll(): Promise<void> {
    for (const client of this.clients.splice(0)) {
      client.close();
    }
    await Promise.all(this.servers.splice(0).map((server) => server.shutdown(1_000)));
  }
}

export function probeResponse(fields: Partial<ProbeResponse>): ProbeResponse {
  return {
    text: '',
    amountMinor: 0n,
    remainingMs: -1n,
    traceparent: '',
    servedBy: '',
    ...fields,
  };
}

/** Resolves when `signal` aborts, with its reason; rejects after `timeoutMs` so no test hangs. */
export function abortedWithin(signal: AbortSignal, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      resolve(signal.reason);
      return;
    }
    const timer = setTimeout(
      () => reject(new Error(`signal not aborted within ${timeoutMs} ms`)),
      timeoutMs,
    );
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve(signal.reason);
      },
      { once: true },
    );
  });
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
