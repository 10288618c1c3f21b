import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  type Provider,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';

import { CLOCK, type Clock, systemClock } from '@corebank/platform-clock';

import { GrpcAuthorization } from './adapters/grpc-authorization';
import { GATEWAY_LOG, type GatewayLog } from './application/process-card-message/gateway-log.port';
import { ProcessCardMessageUseCase } from './application/process-card-message/process-card-message.use-case';
import { CARD_GATEWAY_CONFIG, type CardGatewayConfig, loadCardGatewayConfig } from './config';
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

/** Nest's logger as the gateway log: constant message, structured fields. */
class NestGatewayLog implements GatewayLog {
  private readonly logger = new Logger('card-gateway');

  info(message: string, fields: Readonly<Record<string, unknown>> = {}): void {
    this.logger.log({ message, ...fields });
  }

  warn(message: string, fields: Readonly<Record<string, unknown>> = {}): void {
    this.logger.warn({ message, ...fields });
  }

  error(message: string, fields: Readonly<Record<string, unknown>> = {}): void {
    this.logger.error({ message, ...fields });
  }
}

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
    { provide: GATEWAY_LOG, useClass: NestGatewayLog },
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
      inject: [AUTHORIZATION, GATEWAY_LOG],
      useFactory: (authorization: GrpcAuthorization, log: GatewayLog) =>
        new ProcessCardMessageUseCase(authorization, log),
    },
    AuthorizationChannel,
    CardGatewayTransports,
  ];
}

/** The card-gateway; `AppModule.withConfig` lets tests boot it from an explicit environment. */
@Module({})
export class AppModule {
  static withConfig(config: CardGatewayConfig = loadCardGatewayConfig()): DynamicModule {
    return { module: AppModule, providers: cardGatewayProviders(config) };
  }
}
