/**
 * Regenerates src/generated/mcc.generated.ts from data/mcc_codes.csv. Run from the repository
 * root (see the lib README for the one-line command). Reads and writes files, which is why it
 * lives in scripts/ and is never imported by src/.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { buildMccTable, renderMccModule } from './mcc-table';

export const MCC_CSV_PATH = 'libs/domain/merchant/data/mcc_codes.csv';
export const MCC_MODULE_PATH = 'libs/domain/merchant/src/generated/mcc.generated.ts';

function main(repositoryRoot: string): void {
  const csvText = readFileSync(resolve(repositoryRoot, MCC_CSV_PATH), 'utf8');
  writeFileSync(resolve(repositoryRoot, MCC_MODULE_PATH), renderMccModule(buildMccTable(csvText)));
  process.stdout.write(`wrote ${MCC_MODULE_PATH}\n`);
}

if (require.main === module) {
  main(process.cwd());
}
