import { Writable } from 'node:stream';

import { Logger as NestCoreLogger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Registry } from 'prom-client';

import { HEALTH_REGISTRY, type HealthRegistry } from '../health/health';
import { initTracing, TRACING } from '../tracing/tracing';
import { NestLogger } from './nest-logger';
import { ObservabilityModule, type ProvidedTracing } from './observability.module';
import { METRICS_REGISTRY } from '../metrics/metrics';

function lineSink() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  return { lines, destination };
}

describe('ObservabilityModule', () => {
  it('provides the chassis, drains readiness and releases tracing on shutdown', async () => {
    const { destination } = lineSink();
    const moduleRef = await Test.createTestingModule({
      imports: [
        ObservabilityModule.forRoot({
          serviceName: 'ledger',
          logLevel: 'info',
          tracing: { serviceName: 'ledger' },
          processMetrics: false,
          logDestination: destination,
        }),
      ],
    }).compile();
    await moduleRef.init();
    const health = moduleRef.get<HealthRegistry>(HEALTH_REGISTRY);
    const tracing = moduleRef.get<ProvidedTracing>(TRACING);
    const registry = moduleRef.get<Registry>(METRICS_REGISTRY);

    expect(tracing?.recorder).toBeDefined();
    expect(await registry.metrics()).toBe('\n');
    expect((await health.check('readiness')).status).toBe('up');

    await moduleRef.close();

    expect((await health.check('readiness')).status).toBe('down');
    // The global tracer provider was released, so a new one can be registered.
    await initTracing({ serviceName: 'next' }).shutdown();
  });

  it('routes Nest logging through the scrubbing JSON logger with its context', async () => {
    const { lines, destination } = lineSink();
    const moduleRef = await Test.createTestingModule({
      imports: [
        ObservabilityModule.forRoot({
          serviceName: 'ledger',
          logLevel: 'debug',
          tracing: false,
          processMetrics: false,
          logDestination: destination,
        }),
      ],
    }).compile();
    NestCoreLogger.overrideLogger(moduleRef.get(NestLogger));
    try {
      const logger = new NestCoreLogger('ledger');
      logger.warn({ message: 'expiry sweep failed', error: 'card 4111111111111111' });
      logger.error('post failed', 'Error: boom\n    at x (y.ts:1:1)');
      logger.log('started');
    } finally {
      NestCoreLogger.overrideLogger(false);
      await moduleRef.close();
    }

    expect(lines.map((line) => [line.level, line.msg, line.context])).toEqual([
      ['warn', 'expiry sweep failed', 'ledger'],
      ['error', 'post failed', 'ledger'],
      ['info', 'started', 'ledger'],
    ]);
    expect(lines[0].error).toBe('card [PAN ****1111]');
    expect(lines[1].stack).toContain('Error: boom');
  });
});
