import { ConfigValidationError, loadConfig } from '@corebank/platform-config';

import { observabilityConfigSchema, observabilityOptions } from './observability-config';

describe('observabilityConfigSchema', () => {
  it('defaults to info logs, the recorder on and no export', () => {
    const sut = observabilityOptions(loadConfig(observabilityConfigSchema, {}), 'ledger');

    expect(sut).toEqual({
      logLevel: 'info',
      tracing: {
        serviceName: 'ledger',
        recorder: { traceCountMax: 1_000, spanCountPerTraceMax: 500 },
      },
    });
  });

  it('exports over OTLP only when the endpoint is set, and can turn the recorder off', () => {
    const config = loadConfig(observabilityConfigSchema, {
      LOG_LEVEL: 'debug',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces',
      OTEL_EXPORT_BATCH_DELAY_MS: '250',
      TRACE_RECORDER_TRACE_COUNT_MAX: '0',
    });

    expect(observabilityOptions(config, 'feed')).toEqual({
      logLevel: 'debug',
      tracing: {
        serviceName: 'feed',
        recorder: false,
        otlp: {
          url: 'http://collector:4318/v1/traces',
          exportTimeoutMs: 10_000,
          queueSizeMax: 2_048,
          batchSizeMax: 512,
          batchDelayMs: 250,
        },
      },
    });
  });

  it('refuses an unknown level and an endpoint that is not an http URL', () => {
    expect(() =>
      loadConfig(observabilityConfigSchema, {
        LOG_LEVEL: 'verbose',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'collector:4318',
      }),
    ).toThrow(ConfigValidationError);
  });
});
