/**
 * Regenerates src/generated/iso4217.generated.ts from data/iso4217_codes-all.csv. Run from the
 * repository root (see the lib README for the one-line command). Reads and writes files, which is
 * why it lives in scripts/ and is never imported by src/.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { buildCurrencyTable, renderCurrencyModule } from './currency-table';

export const CURRENCY_CSV_PATH = 'libs/domain/money/data/iso4217_codes-all.csv';
export const CURRENCY_MODULE_PATH = 'libs/domain/money/src/generated/iso4217.generated.ts';

function main(repositoryRoot: string): void {
  const csvText = readFileSync(resolve(repositoryRoot, CURRENCY_CSV_PATH), 'utf8');
  const source = renderCurrencyModule(buildCurrencyTable(csvText));
  writeFileSync(resolve(repositoryRoot, CURRENCY_MODULE_PATH), source);
  process.stdout.write(`wrote ${CURRENCY_MODULE_PATH}\n`);
}

if (require.main === module) {
  main(process.cwd());
}
