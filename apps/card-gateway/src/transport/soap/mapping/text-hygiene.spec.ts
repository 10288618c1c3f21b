import { cleanText } from './text-hygiene';

describe('cleanText', () => {
  it('strips C0 and C1 controls, collapses whitespace and trims', () => {
    expect(cleanText('  CAF\u00c9\u0000\u0085  NERO\t\r\n LONDON\u009f ', 64)).toBe(
      'CAF\u00c9 NERO LONDON',
    );
  });

  it('drops unpaired surrogates but keeps paired ones', () => {
    expect(cleanText('A\ud800B\udc00C\ud83d\ude00', 64)).toBe('ABC\ud83d\ude00');
  });

  it('caps by code point without splitting a surrogate pair', () => {
    expect(cleanText('\ud83d\ude00'.repeat(5), 3)).toBe('\ud83d\ude00'.repeat(3));
    expect(cleanText('abcdef', 4)).toBe('abcd');
  });
});
