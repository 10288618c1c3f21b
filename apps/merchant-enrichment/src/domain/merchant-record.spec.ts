import { enrichedMerchantSchema } from '@corebank/domain-transaction-events';

import { rawMerchant } from '../testing/authorization-events';
import { newMerchantRecord } from './merchant-record';

const input = {
  merchantId: 'merch_7300000000000000001',
  createdAt: new Date('2026-11-22T01:00:00.000Z'),
  logoBaseUrl: 'https://cdn.corebank.test/logos/',
};

describe('newMerchantRecord', () => {
  it('names a directory chain, with its group, logo and the network location', () => {
    const sut = newMerchantRecord({ merchant: rawMerchant(), mcc: '5812' }, input);
    expect(sut).toMatchObject({
      id: 'merch_7300000000000000001',
      name: 'Pret A Manger',
      createdAt: '2026-11-22T01:00:00.000Z',
      address: {
        address: null,
        city: 'LONDON',
        region: null,
        country: 'GBR',
        postcode: null,
        latitude: null,
        longitude: null,
      },
    });
    expect(sut.groupId).toMatch(/^grp_/);
    expect(sut.logoUrl).toMatch(/^https:\/\/cdn\.corebank\.test\/logos\/[a-z0-9-]+\.png$/);
    expect(enrichedMerchantSchema.safeParse(sut).success).toBe(true);
  });

  it('cleans an unknown name and takes category and emoji from the MCC', () => {
    const sut = newMerchantRecord(
      {
        merchant: rawMerchant({
          name: 'SQ *BLUE BOTTLE KIOSK',
          merchantId: 'X',
          city: '',
          country: '',
        }),
        mcc: '4121',
      },
      input,
    );
    expect(sut.groupId).toBeNull();
    expect(sut.logoUrl).toBeNull();
    expect(sut.category).toBe('transport');
    expect(sut.emoji.length).toBeGreaterThan(0);
    expect(sut.name).not.toContain('SQ *');
    expect(sut.address).toBeNull();
  });

  it('falls back to the general category for a malformed MCC', () => {
    const sut = newMerchantRecord(
      { merchant: rawMerchant({ name: 'CORNER SHOP 42' }), mcc: '54A1' },
      input,
    );
    expect(sut.category).toBe('general');
  });
});
