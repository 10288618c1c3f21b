import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { MCC_CSV_PATH, MCC_MODULE_PATH } from './generate-mcc-table';
import { buildMccTable, renderMccModule } from './mcc-table';

const repositoryRoot = resolve(__dirname, '../../../..');
const header =
  'mcc,edited_description,combined_description,usda_description,irs_description,irs_reportable';

describe('the committed MCC module', () => {
  it('is exactly what the generator makes from the committed CSV', () => {
    const csvText = readFileSync(resolve(repositoryRoot, MCC_CSV_PATH), 'utf8');
    // On failure: regenerate with the command in libs/domain/merchant/README.md, review the diff.
    expect(readFileSync(resolve(repositoryRoot, MCC_MODULE_PATH), 'utf8')).toBe(
      renderMccModule(buildMccTable(csvText)),
    );
  });

  it('comes from a CSV copy whose only local edit is the 6011 description', () => {
    const csvText = readFileSync(resolve(repositoryRoot, MCC_CSV_PATH), 'utf8');
    const row6011 = csvText.split('\n').find((line) => line.startsWith('6011,'));
    expect(row6011).toBe(
      '6011,Financial Institutions – Automated Cash Disbursements (ATM),' +
        'Financial Institutions – Manual Cash Disbursements,' +
        'Financial Institutions – Manual Cash Disbursements,Automated Cash Disburse,No1.6041-3(c)',
    );
  });
});

describe('buildMccTable', () => {
  it('keeps leading zeros, sorts, collapses whitespace and handles quoted commas', () => {
    expect(
      buildMccTable(
        [
          header,
          '5411,"Grocery Stores,  Supermarkets ",a,b,c,Yes',
          '0780,"Horticultural Services, Landscaping Services",x,y,z,Yes',
        ].join('\r\n'),
      ),
    ).toEqual([
      { mcc: '0780', description: 'Horticultural Services, Landscaping Services' },
      { mcc: '5411', description: 'Grocery Stores, Supermarkets' },
    ]);
  });

  it.each([
    ['a three-digit code', ['742,Vets,a,b,c,Yes'], /malformed code/],
    ['a repeated code', ['0742,Vets,a,b,c,Yes', '0742,Vets,a,b,c,Yes'], /twice/],
  ])('throws on %s', (_case, rows, message) => {
    expect(() => buildMccTable([header, ...rows].join('\n'))).toThrow(message);
  });
});
