import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  type Provider,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';

import { CLOCK, type Clock, systemClock } from '@corebank/platform-clock';
import {
  HEALTH_REGISTRY,
  type HealthRegistry,
  LOGGER,
  type Logger,
  METRICS_REGISTRY,
  ObservabilityModule,
  observabilityOptions,
  type ProvidedTracing,
  tcpConnectCheck,
  TRACING,
} from '@corebank/platform-observability';
import type { Registry } from 'prom-client';

import { GrpcAuthorization } from './adapters/grpc-authorization';
import { PinoGatewayLog } from './adapters/pino-gateway-log';
import { GATEWAY_LOG, type GatewayLog } from './application/process-card-message/gateway-log.port';
import { ProcessCardMessageUseCase } from './application/process-card-message/process-card-message.use-case';
import { CARD_GATEWAY_CONFIG, type CardGatewayConfig, loadCardGatewayConfig } from './config';
import { ObservedProcessCardMessage } from './ops/observed-process-card-message';
import { OpsHttpServer, type ProcessHosting } from './ops/ops-http-server';
import { AUTHORIZATION } from './ports/authorization.port';
import {
  createSoapEndpointServer,
  type ProcessorAuthentication,
  warmUpRequestPath,
} from './transport/soap/soap-http-server';
import { WsdlDocument } from './transport/soap/wsdl-document';
import type { SoapXmlLimits } from './transport/soap/xml/soap-xml-parser';
import { WsSecurityVerifier } from './transport/soap/ws-security';

const WSDL_DOCUMENT = Symbol('WSDL_DOCUMENT');
const PROCESS_HOSTING = Symbol('PROCESS_HOSTING');

export function processorAuthenticationOf(config: CardGatewayConfig): ProcessorAuthentication {
  const read = (path: string | undefined): string => readFileSync(path ?? '', 'utf8');
  switch (config.CARD_GATEWAY_AUTH_MODE) {
    case 'mutual_tls':
      return {
        mode: 'mutual_tls',
        certificatePem: read(config.CARD_GATEWAY_TLS_CERT_PATH),
        privateKeyPem: read(config.CARD_GATEWAY_TLS_KEY_PATH),
        clientCaPem: read(config.CARD_GATEWAY_TLS_CLIENT_CA_PATH),
      };
    case 'ws_security':
      return {
        mode: 'ws_security',
        certificatePem: read(config.CARD_GATEWAY_TLS_CERT_PATH),
        privateKeyPem: read(config.CARD_GATEWAY_TLS_KEY_PATH),
        verifier: new WsSecurityVerifier({
          username: config.CARD_GATEWAY_WSS_USERNAME ?? '',
          password: config.CARD_GATEWAY_WSS_PASSWORD ?? '',
          createdSkewMs: config.CARD_GATEWAY_WSS_CREATED_SKEW_SECONDS * 1000,
          nonceCacheSizeMax: config.CARD_GATEWAY_WSS_NONCE_CACHE_SIZE_MAX,
        }),
      };
    case 'none':
      return { mode: 'none_loopback_only' };
  }
}

/** Owns the HTTP(S) listener: opens it after boot, closes it before the gRPC client goes. */
@Injectable()
export class CardGatewayTransports implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly server: Server;
  private readonly xmlLimits: SoapXmlLimits;
  boundPort: number | undefined;

  constructor(
    @Inject(CARD_GATEWAY_CONFIG) private readonly config: CardGatewayConfig,
    @Inject(ProcessCardMessageUseCase) private readonly useCase: ProcessCardMessageUseCase,
    @Inject(WSDL_DOCUMENT) wsdl: WsdlDocument,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(GATEWAY_LOG) log: GatewayLog,
  ) {
    this.xmlLimits = {
      depthMax: config.CARD_GATEWAY_XML_DEPTH_MAX,
      elementCountMax: config.CARD_GATEWAY_XML_ELEMENT_COUNT_MAX,
      textLengthMax: config.CARD_GATEWAY_XML_TEXT_LENGTH_MAX,
    };
    this.server = createSoapEndpointServer(
      {
        path: config.CARD_GATEWAY_PATH,
        deadlineBudgetMs: config.CARD_GATEWAY_DEADLINE_BUDGET_MS,
        replyReserveMs: config.CARD_GATEWAY_REPLY_RESERVE_MS,
        bodyByteCountMax: config.CARD_GATEWAY_BODY_BYTES_MAX,
        xmlLimits: this.xmlLimits,
        authentication: processorAuthenticationOf(config),
      },
      { useCase, wsdl, clock, log },
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    warmUpRequestPath(this.xmlLimits, this.clock.now());
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.config.CARD_GATEWAY_PORT, this.config.CARD_GATEWAY_HOST, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (this.server.address() as AddressInfo).port;
  }

  async beforeApplicationShutdown(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const grace = new Promise<void>((resolve) =>
      setTimeout(resolve, this.config.CARD_GATEWAY_SHUTDOWN_GRACE_MS).unref(),
    );
    await Promise.race([closed, grace]);
    this.server.closeAllConnections();
    await this.useCase.drainPendingVoids();
  }
}

/** `host:port` (or `[v6]:port`) of a gRPC address, for a TCP readiness check. */
function hostAndPortOf(address: string): { host: string; port: number } {
  const separator = address.lastIndexOf(':');
  const host = address.slice(0, separator).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(address.slice(separator + 1)) };
}

/**
 * The operations port. Readiness: authorization accepts connections and the WSDL served to the
 * processor is the loaded contract; /metrics (card_gateway_responses_total) and /traces. It opens
 * first and closes last, so probes see the whole lifecycle.
 */
@Injectable()
export class CardGatewayOps implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly server: OpsHttpServer;
  boundPort: number | undefined;

  constructor(
    @Inject(CARD_GATEWAY_CONFIG) private readonly config: CardGatewayConfig,
    @Inject(HEALTH_REGISTRY) health: HealthRegistry,
    @Inject(METRICS_REGISTRY) metrics: Registry,
    @Inject(TRACING) tracing: ProvidedTracing,
    @Inject(PROCESS_HOSTING) hosting: ProcessHosting,
    @Inject(WSDL_DOCUMENT) wsdl: WsdlDocument,
  ) {
    const timeoutMs = config.OPS_HEALTH_CHECK_TIMEOUT_MS;
    const authorization = hostAndPortOf(config.CARD_GATEWAY_AUTHORIZATION_ADDRESS);
    health.register(
      tcpConnectCheck('authorization', authorization.host, authorization.port, timeoutMs),
    );
    health.register({
      name: 'wsdl',
      probe: 'readiness',
      timeoutMs,
      run: () => {
        const served = wsdl.withServiceLocation('https', 'localhost', config.CARD_GATEWAY_PATH);
        if (!served.includes('GetTransaction')) {
          return Promise.reject(new Error('the served WSDL lacks GetTransaction'));
        }
        return Promise.resolve({ bytes: Buffer.byteLength(served) });
      },
    });
    const traces = tracing?.recorder ?? hosting.traceRecorder;
    this.server = new OpsHttpServer({ health, metrics, ...(traces ? { traces } : {}) });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.boundPort = await this.server.listen(this.config.OPS_HTTP_HOST, this.config.OPS_HTTP_PORT);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server.close();
  }
}

/** Closes the gRPC channel last, after the listener and pending voids are done. */
@Injectable()
class AuthorizationChannel implements OnApplicationShutdown {
  constructor(@Inject(AUTHORIZATION) private readonly authorization: GrpcAuthorization) {}

  onApplicationShutdown(): void {
    this.authorization.close();
  }
}

/** Everything but the config, which the caller supplies (main: from the environment). */
function cardGatewayProviders(config: CardGatewayConfig): Provider[] {
  return [
    { provide: CARD_GATEWAY_CONFIG, useValue: config },
    { provide: CLOCK, useValue: systemClock },
    {
      provide: GATEWAY_LOG,
      inject: [LOGGER],
      useFactory: (logger: Logger): GatewayLog => new PinoGatewayLog(logger),
    },
    {
      provide: WSDL_DOCUMENT,
      inject: [CARD_GATEWAY_CONFIG],
      useFactory: (config: CardGatewayConfig) => WsdlDocument.load(config.CARD_GATEWAY_WSDL_PATH),
    },
    {
      provide: AUTHORIZATION,
      inject: [CARD_GATEWAY_CONFIG],
      useFactory: (config: CardGatewayConfig) =>
        new GrpcAuthorization({
          address: config.CARD_GATEWAY_AUTHORIZATION_ADDRESS,
          voidTimeoutMs: config.CARD_GATEWAY_VOID_TIMEOUT_MS,
          voidAttemptCountMax: config.CARD_GATEWAY_VOID_ATTEMPT_COUNT_MAX,
          voidBackoffInitialMs: config.CARD_GATEWAY_VOID_BACKOFF_INITIAL_MS,
          voidBackoffMaxMs: config.CARD_GATEWAY_VOID_BACKOFF_MAX_MS,
        }),
    },
    {
      provide: ProcessCardMessageUseCase,
      inject: [AUTHORIZATION, GATEWAY_LOG, METRICS_REGISTRY],
      useFactory: (authorization: GrpcAuthorization, log: GatewayLog, metrics: Registry) =>
        new ObservedProcessCardMessage(authorization, log, metrics),
    },
    AuthorizationChannel,
    CardGatewayTransports,
    CardGatewayOps,
  ];
}

/** The card-gateway; `AppModule.withConfig` lets tests boot it from an explicit environment. */
@Module({})
export class AppModule {
  static withConfig(
    config: CardGatewayConfig = loadCardGatewayConfig(),
    hosting: ProcessHosting = {},
  ): DynamicModule {
    const observability = observabilityOptions(config, 'card-gateway');
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({
          serviceName: 'card-gateway',
          logLevel: observability.logLevel,
          tracing: hosting.ownsProcess === true ? observability.tracing : false,
          processMetrics: hosting.processMetrics ?? hosting.ownsProcess === true,
          logDestination: hosting.logDestination,
        }),
      ],
      providers: [...cardGatewayProviders(config), { provide: PROCESS_HOSTING, useValue: hosting }],
    };
  }
}
