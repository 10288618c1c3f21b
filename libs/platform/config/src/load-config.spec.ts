import { z } from 'zod';

import { isPlatformError } from '@corebank/platform-errors';

import { envEnum, envInteger, envList, envMilliseconds, envSeconds } from './env-schemas';
import { ConfigValidationError, loadConfig, loadConfigSections } from './load-config';

const busSchema = z.object({
  KAFKA_BROKERS: envList(),
  KAFKA_SESSION_TIMEOUT_MS: envMilliseconds({ default: 10_000 }),
  BUS_MODE: envEnum(['embedded', 'kafka'], { default: 'embedded' }),
});

function captureError(run: () => unknown): ConfigValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('returns typed values with defaults applied and ignores unrelated variables', () => {
    const sut = loadConfig(busSchema, {
      KAFKA_BROKERS: 'b1:9092,b2:9092',
      PATH: '/usr/bin',
    });
    expect(sut).toEqual({
      KAFKA_BROKERS: ['b1:9092', 'b2:9092'],
      KAFKA_SESSION_TIMEOUT_MS: 10_000,
      BUS_MODE: 'embedded',
    });
  });

  it('returns a deeply frozen object', () => {
    const sut = loadConfig(busSchema, { KAFKA_BROKERS: 'b1:9092' });
    expect(Object.isFrozen(sut)).toBe(true);
    expect(Object.isFrozen(sut.KAFKA_BROKERS)).toBe(true);
    expect(() => {
      (sut.KAFKA_BROKERS as string[]).push('b2:9092');
    }).toThrow(TypeError);
  });

  it('names every bad variable and why, in one error', () => {
    const error = captureError(() =>
      loadConfig(busSchema, { KAFKA_SESSION_TIMEOUT_MS: 'soon', BUS_MODE: 'carrier-pigeon' }),
    );
    expect(error.message).toBe(
      'invalid configuration: KAFKA_BROKERS: required; ' +
        'KAFKA_SESSION_TIMEOUT_MS: expected an integer in 0..9007199254740991; ' +
        'BUS_MODE: expected one of embedded, kafka',
    );
    expect(error.problems.map((problem) => problem.variable)).toEqual([
      'KAFKA_BROKERS',
      'KAFKA_SESSION_TIMEOUT_MS',
      'BUS_MODE',
    ]);
    expect(isPlatformError(error)).toBe(true);
    expect(error.code).toBe('invalid.config');
    expect(error.retryable).toBe(false);
    expect(error.params).toEqual({
      variables: 'KAFKA_BROKERS,KAFKA_SESSION_TIMEOUT_MS,BUS_MODE',
    });
  });

  it('treats a blank variable as unset', () => {
    const error = captureError(() => loadConfig(busSchema, { KAFKA_BROKERS: '   ' }));
    expect(error.message).toBe('invalid configuration: KAFKA_BROKERS: required');
  });

  it('never echoes a bad value, which might be a misplaced secret', () => {
    const error = captureError(() =>
      loadConfig(z.object({ DB_POOL_SIZE: envInteger() }), { DB_POOL_SIZE: 'hunter2' }),
    );
    expect(error.message).not.toContain('hunter2');
  });

  it('reports plain zod fields as required when unset', () => {
    const error = captureError(() => loadConfig(z.object({ API_TOKEN: z.string() }), {}));
    expect(error.message).toBe('invalid configuration: API_TOKEN: required');
  });

  it('refuses a duration whose variable name lacks its unit suffix', () => {
    const schema = z.object({
      KAFKA_SESSION_TIMEOUT: envMilliseconds({ default: 1 }),
      HOLD_TTL_MS: envSeconds({ default: 1 }),
    });
    const error = captureError(() => loadConfig(schema, {}));
    expect(error.problems).toEqual([
      { variable: 'KAFKA_SESSION_TIMEOUT', reason: 'a duration in ms must be named *_MS' },
      { variable: 'HOLD_TTL_MS', reason: 'a duration in seconds must be named *_SECONDS' },
    ]);
  });

  it('checks unit suffixes through optional wrappers and object-level refinements', () => {
    const schema = z
      .object({ RETRY_DELAY: envMilliseconds().optional() })
      .refine(() => true, { message: 'unused' });
    const error = captureError(() => loadConfig(schema, {}));
    expect(error.problems).toEqual([
      { variable: 'RETRY_DELAY', reason: 'a duration in ms must be named *_MS' },
    ]);
  });

  it('names the variable a cross-field rule points at', () => {
    const schema = z
      .object({ MODE: envEnum(['a', 'b']), B_ONLY: envInteger().optional() })
      .superRefine((value, context) => {
        if (value.MODE === 'b' && value.B_ONLY === undefined) {
          context.addIssue({
            code: z.ZodIssueCode.custom,
            path: ['B_ONLY'],
            message: 'required when MODE=b',
          });
        }
      });
    expect(loadConfig(schema, { MODE: 'a' })).toEqual({ MODE: 'a' });
    const error = captureError(() => loadConfig(schema, { MODE: 'b' }));
    expect(error.message).toBe('invalid configuration: B_ONLY: required when MODE=b');
  });
});

describe('loadConfigSections', () => {
  const lockSchema = z.object({
    ETCD_ENDPOINTS: envList(z.string().url()),
    LOCK_TTL_SECONDS: envSeconds({ default: 10 }),
  });
  const idsSchema = z.object({ ETCD_ENDPOINTS: envList(z.string().url()) });

  it('returns each section under its name, all frozen', () => {
    const sut = loadConfigSections(
      { bus: busSchema, locks: lockSchema },
      { KAFKA_BROKERS: 'b1:9092', ETCD_ENDPOINTS: 'http://127.0.0.1:2379' },
    );
    expect(sut.locks.LOCK_TTL_SECONDS).toBe(10);
    expect(sut.bus.KAFKA_BROKERS).toEqual(['b1:9092']);
    expect(Object.isFrozen(sut.locks)).toBe(true);
  });

  it('collects the problems of all sections and reports a shared variable once', () => {
    const error = captureError(() =>
      loadConfigSections({ bus: busSchema, locks: lockSchema, ids: idsSchema }, {}),
    );
    expect(error.message).toBe(
      'invalid configuration: KAFKA_BROKERS: required; ETCD_ENDPOINTS: required',
    );
  });
});
