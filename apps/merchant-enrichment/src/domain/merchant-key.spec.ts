import { rawMerchant } from '../testing/authorization-events';
import { merchantKeyOf } from './merchant-key';

describe('merchantKeyOf', () => {
  it('uses the acquirer merchant id when there is one', () => {
    expect(merchantKeyOf(rawMerchant({ merchantId: ' MID-1 ' }))).toBe('mid:MID-1');
    expect(merchantKeyOf(rawMerchant({ merchantId: 'MID-1', name: 'OTHER' }))).toBe('mid:MID-1');
  });

  it('falls back to normalised name, city and country', () => {
    const spaced = merchantKeyOf(
      rawMerchant({ merchantId: '', name: 'Pret  a-Manger', city: 'London' }),
    );
    const upper = merchantKeyOf(
      rawMerchant({ merchantId: '', name: 'PRET A MANGER', city: 'LONDON' }),
    );
    expect(spaced).toBe('name:PRET A MANGER|LONDON|GBR');
    expect(upper).toBe(spaced);
    expect(merchantKeyOf(rawMerchant({ merchantId: '', city: 'LEEDS' }))).not.toBe(upper);
  });

  it('uses the DE43 text when Merch_Name is empty, and nothing when no merchant is named', () => {
    expect(
      merchantKeyOf(rawMerchant({ merchantId: '', name: '', nameLocationRaw: 'TESCO STORES' })),
    ).toBe('name:TESCO STORES|LONDON|GBR');
    expect(
      merchantKeyOf(rawMerchant({ merchantId: '', name: ' ', nameLocationRaw: '' })),
    ).toBeUndefined();
  });
});
