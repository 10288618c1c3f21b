import { errors, types } from 'cassandra-driver';
import { mapCassandraError } from './cassandra-errors';

const codes = types.responseErrorCodes;

describe('mapCassandraError', () => {
  it.each<[string, Error, string, boolean]>([
    [
      'a driver timeout',
      new errors.OperationTimedOutError('no answer', '10.0.0.1:9042'),
      'timeout.store',
      true,
    ],
    [
      'a coordinator write timeout',
      new errors.ResponseError(codes.writeTimeout, 'cas timeout'),
      'timeout.store',
      true,
    ],
    ['a read timeout', new errors.ResponseError(codes.readTimeout, 'slow'), 'timeout.store', true],
    ['no host', new errors.NoHostAvailableError({}), 'unavailable.store', true],
    [
      'too few replicas',
      new errors.ResponseError(codes.unavailableException, 'rf'),
      'unavailable.store',
      true,
    ],
    [
      'an overloaded node',
      new errors.ResponseError(codes.overloaded, 'busy'),
      'unavailable.store',
      true,
    ],
    [
      'refused credentials',
      new errors.AuthenticationError('bad password'),
      'unavailable.store',
      false,
    ],
    [
      'an invalid query',
      new errors.ResponseError(codes.invalid, 'unconfigured table'),
      'invalid.store_query',
      false,
    ],
    [
      'a syntax error',
      new errors.ResponseError(codes.syntaxError, 'line 1'),
      'invalid.store_query',
      false,
    ],
    ['an unencodable value', new TypeError('not a bigint'), 'invalid.store_value', false],
  ])('maps %s to %s (retryable: %s)', (_label, engineError, code, retryable) => {
    expect(mapCassandraError(engineError, 'get', 'accounts')).toMatchObject({
      code,
      retryable,
      cause: engineError,
    });
  });

  it('leaves errors it does not know unchanged, so adapter bugs surface', () => {
    const bug = new Error('bug');
    expect(mapCassandraError(bug, 'get')).toBe(bug);
  });
});
