import { Logger as NestStaticLogger } from '@nestjs/common';

import {
  HostedServicesNestLogger,
  initTracing,
  type InMemorySpanRecorder,
  observabilityOptions,
  runAsHostedService,
} from '@corebank/platform-observability';

import type { BankConfig } from './config';

/** The name on spans' resource and on log lines written outside any service. */
export const BANK_PROCESS_NAME = 'bank';

/**
 * What is one per process in the bank: the tracer provider (with the span recorder every
 * service's /traces serves) and Nest's static logger. Each service starts inside
 * `startService`, so its spans and Nest's lines carry its own name.
 */
/** gRPC packages (proto/corebank/<package>/v1) by the bank service that serves them. */
const SERVICE_BY_RPC_PACKAGE: Readonly<Record<string, string>> = {
  'corebank.ledger.v1': 'ledger',
  'corebank.authorization.v1': 'authorization',
};

/** `/corebank.ledger.v1.LedgerService/CreateTransfers` → `ledger`. */
export function serviceServingRpc(method: unknown): string | undefined {
  if (typeof method !== 'string') {
    return undefined;
  }
  const qualifiedService = method.split('/')[1] ?? '';
  const rpcPackage = qualifiedService.slice(0, qualifiedService.lastIndexOf('.'));
  return SERVICE_BY_RPC_PACKAGE[rpcPackage];
}

export interface ProcessObservability {
  readonly traceRecorder: InMemorySpanRecorder | undefined;
  startService<Result>(serviceName: string, start: () => Promise<Result>): Promise<Result>;
  /** Last, after every service stopped: spans of the shutdown are still recorded/exported. */
  shutdown(): Promise<void>;
}

export function startProcessObservability(config: BankConfig): ProcessObservability {
  const options = observabilityOptions(config.observability, BANK_PROCESS_NAME);
  const tracing = initTracing({
    ...options.tracing,
    hostedServiceOfServerSpan: (attributes) => serviceServingRpc(attributes['rpc.method']),
  });
  const nestLogger = new HostedServicesNestLogger({
    hostName: BANK_PROCESS_NAME,
    level: options.logLevel,
  });
  NestStaticLogger.overrideLogger(nestLogger);
  return {
    traceRecorder: tracing.recorder,
    async startService(serviceName, start) {
      try {
        return await runAsHostedService(serviceName, start);
      } finally {
        // A service's bootstrap may install its own Nest logger (`app.useLogger`), which is
        // process-wide: put the routing one back so later lines keep their own service name.
        NestStaticLogger.overrideLogger(nestLogger);
      }
    },
    shutdown: () => tracing.shutdown(),
  };
}
