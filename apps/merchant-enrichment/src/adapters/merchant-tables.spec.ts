import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { renderCql } from '@corebank/platform-storage';

import { MERCHANT_ENRICHMENT_MIGRATIONS } from './merchant-tables';

const CQL_DIR = join(__dirname, '..', '..', 'cql');
const MERCHANT_ENRICHMENT_KEYSPACE = 'corebank_merchant_enrichment';

describe('merchant-enrichment CQL schema files', () => {
  it.each(MERCHANT_ENRICHMENT_MIGRATIONS.map((migration) => [migration.id, migration] as const))(
    'apps/merchant-enrichment/cql/%s.cql is what the migration renders',
    (id, migration) => {
      const committed = readFileSync(join(CQL_DIR, `${id}.cql`), 'utf8');
      expect(committed).toBe(renderCql(migration, MERCHANT_ENRICHMENT_KEYSPACE));
    },
  );
});
