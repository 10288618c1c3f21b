/** What POST /feed accepts, before validation (form or JSON fields as strings). */
export interface BasicFeedItemInput {
  readonly accountId: string;
  readonly type: string;
  readonly title: string | undefined;
  readonly imageUrl: string | undefined;
  readonly body: string | undefined;
  readonly backgroundColour: string | undefined;
  readonly titleColour: string | undefined;
  readonly bodyColour: string | undefined;
  readonly url: string | undefined;
}

export interface ValidBasicFeedItem {
  readonly title: string;
  readonly imageUrl: string;
  readonly body: string | null;
  readonly backgroundColour: string | null;
  readonly titleColour: string | null;
  readonly bodyColour: string | null;
  readonly url: string | null;
}

export type BasicFeedItemValidation =
  | { readonly kind: 'valid'; readonly item: ValidBasicFeedItem }
  | { readonly kind: 'invalid'; readonly reason: string };

export const TITLE_LENGTH_MAX = 200;
export const BODY_LENGTH_MAX = 2000;
export const URL_LENGTH_MAX = 2048;

const COLOUR = /^#[0-9A-Fa-f]{6}$/;

/** An absolute http(s) URL without credentials; anything else could be used to phish in the app. */
function isSafeUrl(value: string): boolean {
  if (value.length > URL_LENGTH_MAX) {
    return false;
  }
  try {
    const url = new URL(value);
    return (
      (url.protocol === 'https:' || url.protocol === 'http:') &&
      url.username === '' &&
      url.password === ''
    );
  } catch {
    return false;
  }
}

/** Validates a custom feed item as Mondo's `basic` type defines it. */
export function validateBasicFeedItem(input: BasicFeedItemInput): BasicFeedItemValidation {
  if (input.type !== 'basic') {
    return { kind: 'invalid', reason: 'type must be basic' };
  }
  if (
    input.title === undefined ||
    input.title.trim() === '' ||
    input.title.length > TITLE_LENGTH_MAX
  ) {
    return {
      kind: 'invalid',
      reason: `params[title] is required (1-${TITLE_LENGTH_MAX} characters)`,
    };
  }
  if (input.imageUrl === undefined || !isSafeUrl(input.imageUrl)) {
    return { kind: 'invalid', reason: 'params[image_url] must be an http(s) URL' };
  }
  if (input.body !== undefined && input.body.length > BODY_LENGTH_MAX) {
    return { kind: 'invalid', reason: `params[body] longer than ${BODY_LENGTH_MAX}` };
  }
  const colours = {
    background_color: input.backgroundColour,
    title_color: input.titleColour,
    body_color: input.bodyColour,
  };
  for (const [name, value] of Object.entries(colours)) {
    if (value !== undefined && !COLOUR.test(value)) {
      return { kind: 'invalid', reason: `params[${name}] must be #RRGGBB` };
    }
  }
  if (input.url !== undefined && !isSafeUrl(input.url)) {
    return { kind: 'invalid', reason: 'url must be an http(s) URL' };
  }
  return {
    kind: 'valid',
    item: {
      title: input.title,
      imageUrl: input.imageUrl,
      body: input.body ?? null,
      backgroundColour: input.backgroundColour?.toUpperCase() ?? null,
      titleColour: input.titleColour?.toUpperCase() ?? null,
      bodyColour: input.bodyColour?.toUpperCase() ?? null,
      url: input.url ?? null,
    },
  };
}
