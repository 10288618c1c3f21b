import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { renderCql } from '@corebank/platform-storage';

import { LEDGER_MIGRATIONS } from './ledger-tables';

const CQL_DIR = join(__dirname, '..', '..', 'cql');
const LEDGER_KEYSPACE = 'corebank_ledger';

describe('ledger CQL schema files', () => {
  it.each(LEDGER_MIGRATIONS.map((migration) => [migration.id, migration] as const))(
    'apps/ledger/cql/%s.cql is what the migration renders',
    (id, migration) => {
      const committed = readFileSync(join(CQL_DIR, `${id}.cql`), 'utf8');
      expect(committed).toBe(renderCql(migration, LEDGER_KEYSPACE));
    },
  );
});
