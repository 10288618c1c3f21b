import { type BasicFeedItemInput, validateBasicFeedItem } from './basic-feed-item';

const valid: BasicFeedItemInput = {
  accountId: 'acc_1',
  type: 'basic',
  title: 'Hello',
  imageUrl: 'https://cdn.corebank.test/i.png',
  body: undefined,
  backgroundColour: '#fcf1ee',
  titleColour: undefined,
  bodyColour: undefined,
  url: undefined,
};

describe('validateBasicFeedItem', () => {
  it('accepts a basic item and normalises colours to upper case', () => {
    const result = validateBasicFeedItem(valid);
    expect(result).toEqual({
      kind: 'valid',
      item: expect.objectContaining({
        title: 'Hello',
        backgroundColour: '#FCF1EE',
        body: null,
        url: null,
      }) as unknown,
    });
  });

  it.each<[string, Partial<BasicFeedItemInput>]>([
    ['another type', { type: 'image' }],
    ['no title', { title: undefined }],
    ['a blank title', { title: '   ' }],
    ['a long title', { title: 'x'.repeat(201) }],
    ['no image', { imageUrl: undefined }],
    ['a javascript: image', { imageUrl: 'javascript:alert(1)' }],
    ['an image URL with credentials', { imageUrl: 'https://user:pw@cdn.test/i.png' }],
    ['a named colour', { titleColour: 'red' }],
    ['a short colour', { bodyColour: '#fff' }],
    ['a non-http url', { url: 'data:text/html,hi' }],
  ])('refuses %s', (_name, change) => {
    expect(validateBasicFeedItem({ ...valid, ...change }).kind).toBe('invalid');
  });
});
