import { PlatformError } from './platform-error';

describe('PlatformError', () => {
  it('derives its category from the code and keeps only safe params', () => {
    const sut = new PlatformError('timeout.cassandra_read', 'read timed out', {
      retryable: true,
      params: { table: 'accounts' },
      cause: new Error('socket'),
    });
    expect(sut.category).toBe('timeout');
    expect(sut.retryable).toBe(true);
    expect(sut.params).toEqual({ table: 'accounts' });
    expect(sut.cause).toBeInstanceOf(Error);
  });
});
