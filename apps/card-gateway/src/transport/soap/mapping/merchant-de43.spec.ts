import { networkOfLifecycle, parseDe43 } from './merchant-de43';

describe('parseDe43 (A36)', () => {
  it('splits the Mastercard 22/13/3 layout, a CNP phone number in the city', () => {
    expect(parseDe43('ROBLOX CORPORATION     888-858-2569  CA', 'mastercard')).toEqual({
      layout: 'mastercard',
      name: 'ROBLOX CORPORATION',
      city: '888-858-2569',
      region: 'CA',
    });
  });

  it('recognises the Mastercard layout without a network hint', () => {
    expect(parseDe43('ROBLOX CORPORATION     888-858-2569  CA', 'unknown').layout).toBe(
      'mastercard',
    );
  });

  it('splits the Visa 25/13/2 layout', () => {
    const de43 = `${'TESCO STORES 3217'.padEnd(25)}${'LONDON'.padEnd(13)}GB`;
    expect(parseDe43(de43, 'visa')).toEqual({
      layout: 'visa',
      name: 'TESCO STORES 3217',
      city: 'LONDON',
      region: 'GB',
    });
  });

  it('strips control bytes and keeps the layout', () => {
    const de43 = 'ROBLOX\u0007CORPORATION\u0000    888-858-2569  CA';
    const parsed = parseDe43(de43, 'mastercard');
    expect(parsed.name).not.toMatch(/[\u0000-\u001f]/);
    expect(parsed.city).toBe('888-858-2569');
  });

  it('falls back to the whole cleaned text as the name when the layout does not fit', () => {
    expect(parseDe43('AMAZON.CO.UK*1A2B3C AMZN.CO.UK/BILL GB EXTRA TEXT', 'mastercard')).toEqual({
      layout: 'raw',
      name: 'AMAZON.CO.UK*1A2B3C AMZN.CO.UK/BILL GB EXTRA TEXT'.slice(0, 40),
      city: '',
      region: '',
    });
    expect(parseDe43('SHORT NAME', 'unknown').layout).toBe('raw');
    expect(parseDe43(`${'X'.repeat(22)} ${'CITY'.padEnd(13)} 123`, 'mastercard').layout).toBe(
      'raw',
    );
  });

  it('tells the network from the lifecycle id prefix', () => {
    expect(networkOfLifecycle('VIS1-20220127-482027555018107')).toBe('visa');
    expect(networkOfLifecycle('MCC1-20220127-1')).toBe('mastercard');
    expect(networkOfLifecycle('')).toBe('unknown');
  });
});
