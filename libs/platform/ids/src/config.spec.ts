import { ConfigValidationError, loadConfig } from '@corebank/platform-config';

import { idsConfigSchema } from './config';

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(idsConfigSchema, env);
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      return error.message;
    }
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('idsConfigSchema', () => {
  it('reads a configured worker id', () => {
    expect(loadConfig(idsConfigSchema, { ID_WORKER_SOURCE: 'config', ID_WORKER_ID: '12' })).toEqual(
      {
        workerSource: 'config',
        workerId: 12,
        clockBackwardToleranceMs: 50,
      },
    );
  });

  it('reads the etcd lease settings with their defaults', () => {
    const sut = loadConfig(idsConfigSchema, {
      ID_WORKER_SOURCE: 'etcd',
      ETCD_ENDPOINTS: 'http://127.0.0.1:2379,http://127.0.0.1:22379',
      ID_CLOCK_BACKWARD_TOLERANCE_MS: '20',
    });
    expect(sut).toEqual({
      workerSource: 'etcd',
      clockBackwardToleranceMs: 20,
      etcd: {
        endpoints: ['http://127.0.0.1:2379', 'http://127.0.0.1:22379'],
        keyPrefix: 'corebank/ids',
        leaseTtlSeconds: 10,
        leaseSafetyMarginMs: 1000,
        requestTimeoutMs: 5000,
      },
    });
  });

  it('requires the variables of the chosen worker source', () => {
    expect(problemsOf({ ID_WORKER_SOURCE: 'config' })).toBe(
      'invalid configuration: ID_WORKER_ID: required when ID_WORKER_SOURCE=config',
    );
    expect(problemsOf({ ID_WORKER_SOURCE: 'etcd' })).toBe(
      'invalid configuration: ETCD_ENDPOINTS: required when ID_WORKER_SOURCE=etcd',
    );
  });

  it('names every out-of-range variable', () => {
    expect(
      problemsOf({
        ID_WORKER_SOURCE: 'config',
        ID_WORKER_ID: '1024',
        ID_CLOCK_BACKWARD_TOLERANCE_MS: '5000',
      }),
    ).toBe(
      'invalid configuration: ID_WORKER_ID: expected an integer in 0..1023; ' +
        'ID_CLOCK_BACKWARD_TOLERANCE_MS: expected an integer in 0..1000',
    );
  });

  it('refuses a safety margin longer than half the lease', () => {
    expect(
      problemsOf({
        ID_WORKER_SOURCE: 'etcd',
        ETCD_ENDPOINTS: 'http://127.0.0.1:2379',
        ID_WORKER_LEASE_TTL_SECONDS: '2',
        ID_WORKER_LEASE_SAFETY_MARGIN_MS: '1001',
      }),
    ).toBe(
      'invalid configuration: ID_WORKER_LEASE_SAFETY_MARGIN_MS: must be at most half of ID_WORKER_LEASE_TTL_SECONDS',
    );
  });
});
