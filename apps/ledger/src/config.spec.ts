import { ConfigValidationError } from '@corebank/platform-config';

import { loadLedgerConfig } from './config';

describe('ledger config', () => {
  it('boots on the embedded store with defaults for everything but the port and worker id', () => {
    const config = loadLedgerConfig({
      LEDGER_GRPC_PORT: '0',
      LEDGER_WORKER_ID: '3',
      STORE_SQLITE_PATH: '/tmp/x.db',
    });
    expect(config.store).toMatchObject({
      engine: 'sqlite',
      path: '/tmp/x.db',
      synchronous: 'full',
    });
    expect(config.ledger.LEDGER_GROUP_COMMIT_ITEMS_MAX).toBe(8190);
    expect(config.ledger.LEDGER_WORKER_ID).toBe(3);
  });

  it('names every missing or bad variable at once', () => {
    let caught: unknown;
    try {
      loadLedgerConfig({ LEDGER_WORKER_ID: '5000', LEDGER_COMMIT_LEASE_MS: 'soon' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigValidationError);
    const variables = (caught as ConfigValidationError).problems.map((problem) => problem.variable);
    expect(variables).toEqual(
      expect.arrayContaining(['LEDGER_GRPC_PORT', 'LEDGER_WORKER_ID', 'LEDGER_COMMIT_LEASE_MS']),
    );
  });

  it('serves the ops port on loopback and a free port unless told otherwise', () => {
    const base = { LEDGER_GRPC_PORT: '0', LEDGER_WORKER_ID: '3' };
    expect(loadLedgerConfig(base).ops).toEqual({
      OPS_HTTP_HOST: '127.0.0.1',
      OPS_HTTP_PORT: 0,
      OPS_HEALTH_CHECK_TIMEOUT_MS: 1000,
    });
    const cluster = loadLedgerConfig({ ...base, OPS_HTTP_HOST: '0.0.0.0', OPS_HTTP_PORT: '9464' });
    expect([cluster.ops.OPS_HTTP_HOST, cluster.ops.OPS_HTTP_PORT]).toEqual(['0.0.0.0', 9464]);
    expect(() => loadLedgerConfig({ ...base, OPS_HTTP_PORT: '70000' })).toThrow(/OPS_HTTP_PORT/);
    expect(() => loadLedgerConfig({ ...base, LOG_LEVEL: 'trace' })).toThrow(/LOG_LEVEL/);
  });
});
