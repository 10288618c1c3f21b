/** Every route the feed serves; the OpenAPI test checks each appears in openapi.json. */
export const FEED_ROUTES = [
  { method: 'GET', path: '/openapi.json', name: 'openapi' },
  { method: 'GET', path: '/app', name: 'webApp' },
  { method: 'GET', path: '/accounts', name: 'listAccounts' },
  { method: 'GET', path: '/balance', name: 'getBalance' },
  { method: 'GET', path: '/transactions', name: 'listTransactions' },
  { method: 'GET', path: '/transactions/{id}', name: 'getTransaction' },
  { method: 'PATCH', path: '/transactions/{id}', name: 'annotateTransaction' },
  { method: 'POST', path: '/feed', name: 'createFeedItem' },
  { method: 'GET', path: '/accounts/{id}/feed/stream', name: 'streamFeed' },
] as const;

export type FeedRoute = (typeof FEED_ROUTES)[number];
export type FeedRouteName = FeedRoute['name'];

/** An OpenAPI path template as a regular expression; `{id}` matches one path segment. */
function patternOf(path: string): RegExp {
  const escaped = path
    .split(/\{[a-z_]+\}/)
    .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
    .join('([^/]+)');
  return new RegExp(`^${escaped}$`);
}

const COMPILED = FEED_ROUTES.map((route) => ({ ...route, pattern: patternOf(route.path) }));

export type RouteMatch =
  | { readonly kind: 'route'; readonly route: FeedRoute; readonly parameter: string | undefined }
  | { readonly kind: 'wrong_method'; readonly allowed: readonly string[] }
  | { readonly kind: 'no_route' };

export function matchRoute(method: string, pathname: string): RouteMatch {
  const allowed: string[] = [];
  for (const route of COMPILED) {
    const match = route.pattern.exec(pathname);
    if (match === null) {
      continue;
    }
    if (route.method === method) {
      const raw = match[1];
      let parameter: string | undefined;
      try {
        parameter = raw === undefined ? undefined : decodeURIComponent(raw);
      } catch {
        parameter = raw;
      }
      return { kind: 'route', route, parameter };
    }
    allowed.push(route.method);
  }
  return allowed.length > 0 ? { kind: 'wrong_method', allowed } : { kind: 'no_route' };
}
