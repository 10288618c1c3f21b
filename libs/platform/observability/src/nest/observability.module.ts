import {
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Registry } from 'prom-client';

import { HEALTH_REGISTRY, HealthRegistry } from '../health/health';
import { createLogger, LOGGER, type Logger, type LogLevel } from '../logging/logger';
import { createMetricsRegistry, METRICS_REGISTRY } from '../metrics/metrics';
import { initTracing, TRACING, type Tracing, type TracingOptions } from '../tracing/tracing';
import { NestLogger } from './nest-logger';

export interface ObservabilityModuleOptions {
  serviceName: string;
  logLevel: LogLevel;
  /** `false` leaves tracing to someone else (a process that hosts several services sets it up once). */
  tracing: TracingOptions | false;
  processMetrics?: boolean;
  /** Where log lines go; standard output when omitted. */
  logDestination?: Parameters<typeof createLogger>[0]['destination'];
}

/** The Tracing behind TRACING, or null when the module was told not to set tracing up. */
export type ProvidedTracing = Tracing | null;

@Injectable()
class ObservabilityLifecycle implements BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(HEALTH_REGISTRY) private readonly health: HealthRegistry,
    @Inject(TRACING) private readonly tracing: ProvidedTracing,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Readiness goes down first so the load balancer drains the instance while transports stop. */
  beforeApplicationShutdown(): void {
    this.health.markShuttingDown();
  }

  /** Last: spans of the shutdown itself are still exported, then the log is flushed. */
  async onApplicationShutdown(): Promise<void> {
    await this.tracing?.shutdown();
    this.logger.flush();
  }
}

/**
 * Provides LOGGER, TRACING, METRICS_REGISTRY, HEALTH_REGISTRY and NestLogger to the whole
 * application. Import it once, in the root module: tracing is one per process.
 */
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityModuleOptions): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      providers: [
        {
          provide: LOGGER,
          useFactory: (): Logger =>
            createLogger({
              service: options.serviceName,
              level: options.logLevel,
              destination: options.logDestination,
            }),
        },
        {
          provide: TRACING,
          useFactory: (): ProvidedTracing =>
            options.tracing === false ? null : initTracing(options.tracing),
        },
        {
          provide: METRICS_REGISTRY,
          useFactory: (): Registry =>
            createMetricsRegistry({
              service: options.serviceName,
              processMetrics: options.processMetrics,
            }),
        },
        { provide: HEALTH_REGISTRY, useFactory: () => new HealthRegistry() },
        {
          provide: NestLogger,
          inject: [LOGGER],
          useFactory: (logger: Logger) => new NestLogger(logger),
        },
        ObservabilityLifecycle,
      ],
      exports: [LOGGER, TRACING, METRICS_REGISTRY, HEALTH_REGISTRY, NestLogger],
    };
  }
}
