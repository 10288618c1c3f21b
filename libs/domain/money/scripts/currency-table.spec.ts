import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { buildCurrencyTable, renderCurrencyModule } from './currency-table';
import { CURRENCY_CSV_PATH, CURRENCY_MODULE_PATH } from './generate-currency-table';

const repositoryRoot = resolve(__dirname, '../../../..');
const header = 'Entity,Currency,AlphabeticCode,NumericCode,MinorUnit,WithdrawalDate';

describe('the committed ISO 4217 module', () => {
  it('is exactly what the generator makes from the committed CSV', () => {
    const csvText = readFileSync(resolve(repositoryRoot, CURRENCY_CSV_PATH), 'utf8');
    const modulePath = resolve(repositoryRoot, CURRENCY_MODULE_PATH);
    const expected = renderCurrencyModule(buildCurrencyTable(csvText));
    // On failure: regenerate with the command in libs/domain/money/README.md and review the diff.
    expect(readFileSync(modulePath, 'utf8')).toBe(expected);
  });
});

describe('buildCurrencyTable', () => {
  it('drops withdrawn rows, dedupes per code, and splits off N.A. minor units', () => {
    const table = buildCurrencyTable(
      [
        header,
        'FRANCE,Euro,EUR,978,2,',
        'GERMANY,Euro,EUR,978,2,',
        'FRANCE,French Franc,FRF,250,2,2002-03',
        'ZZ07_Gold,Gold,XAU,959,N.A.,',
        'ZZ08_Gold,Gold,XAG,961,-,',
        '"PALESTINE, STATE OF",No universal currency,,,,',
        'JAPAN,Yen,JPY,392,0,',
        'CHILE,Unidad de Fomento,CLF,990,4,',
      ].join('\n'),
    );
    expect(table.money).toEqual([
      { alphabeticCode: 'CLF', numericCode: '990', exponent: 4, name: 'Unidad de Fomento' },
      { alphabeticCode: 'EUR', numericCode: '978', exponent: 2, name: 'Euro' },
      { alphabeticCode: 'JPY', numericCode: '392', exponent: 0, name: 'Yen' },
    ]);
    expect(table.nonMoney).toEqual([
      { alphabeticCode: 'XAG', numericCode: '961', name: 'Gold' },
      { alphabeticCode: 'XAU', numericCode: '959', name: 'Gold' },
    ]);
  });

  it('keeps a code withdrawn for one country but current for another', () => {
    const table = buildCurrencyTable(
      [header, 'CROATIA,Euro,EUR,978,2,', 'SPAIN,Euro,EUR,978,2,1999-01'].join('\n'),
    );
    expect(table.money.map((row) => row.alphabeticCode)).toEqual(['EUR']);
  });

  it.each([
    ['rows that disagree', ['A,Euro,EUR,978,2,', 'B,Euro,EUR,978,3,'], /disagree/],
    ['an exponent above 4', ['A,Odd,ODD,123,5,'], /unsupported minor unit/],
    ['a numeric code without leading zeros', ['A,Lek,ALL,8,2,'], /malformed codes/],
    ['a ragged row', ['A,Lek,ALL,008,2'], /has 5 fields/],
    ['an unterminated quote', ['"A,Lek,ALL,008,2,'], /quoted field/],
  ])('throws on %s', (_case, rows, message) => {
    expect(() => buildCurrencyTable([header, ...rows].join('\n'))).toThrow(message);
  });
});
