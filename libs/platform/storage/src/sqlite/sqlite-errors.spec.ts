import type { PlatformError } from '@corebank/platform-errors';
import Database from 'better-sqlite3';
import { mapSqliteError } from './sqlite-errors';

describe('mapSqliteError', () => {
  it.each([
    ['SQLITE_BUSY', 'timeout.store', true],
    ['SQLITE_BUSY_SNAPSHOT', 'timeout.store', true],
    ['SQLITE_LOCKED', 'timeout.store', true],
    ['SQLITE_CONSTRAINT_NOTNULL', 'invalid.store_row', false],
    ['SQLITE_IOERR_FSYNC', 'unavailable.store', true],
    ['SQLITE_FULL', 'unavailable.store', true],
    ['SQLITE_CORRUPT', 'unavailable.store', false],
    ['SQLITE_NOTADB', 'unavailable.store', false],
  ])('maps %s to %s (retryable: %s)', (engineCode, code, retryable) => {
    const error = mapSqliteError(
      new Database.SqliteError('engine said no', engineCode),
      'get',
      't',
    );
    expect(error).toMatchObject({ code, retryable });
    expect((error as PlatformError).params).toMatchObject({ operation: 'get', table: 't' });
  });

  it('leaves errors it does not know unchanged, so adapter bugs surface', () => {
    const bug = new Error('bug');
    expect(mapSqliteError(bug, 'get')).toBe(bug);
  });
});
