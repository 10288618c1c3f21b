/** Every route of the customer /cards API; the OpenAPI spec test checks each is documented. */
export const CARDS_ROUTES = [
  { method: 'GET', path: '/cards/openapi.json', name: 'cardsOpenApi' },
  { method: 'GET', path: '/cards', name: 'listCards' },
  { method: 'POST', path: '/cards/{id}/freeze', name: 'freezeCard' },
  { method: 'POST', path: '/cards/{id}/unfreeze', name: 'unfreezeCard' },
] as const;

export type CardsRoute = (typeof CARDS_ROUTES)[number];
export type CardsRouteName = CardsRoute['name'];

export type CardsRouteMatch =
  | { readonly kind: 'route'; readonly route: CardsRoute; readonly parameter: string | undefined }
  | { readonly kind: 'wrong_method'; readonly allowed: readonly string[] }
  | { readonly kind: 'no_route' };

/** `{id}` matches one non-empty path segment. */
const COMPILED = CARDS_ROUTES.map((route) => ({
  route,
  pattern: new RegExp(`^${route.path.replace('.', '\\.').replace('{id}', '([^/]+)')}$`),
}));

export function matchCardsRoute(method: string, pathname: string): CardsRouteMatch {
  const allowed: string[] = [];
  for (const { route, pattern } of COMPILED) {
    const match = pattern.exec(pathname);
    if (match === null) {
      continue;
    }
    if (route.method !== method) {
      allowed.push(route.method);
      continue;
    }
    const raw = match[1];
    let parameter: string | undefined;
    try {
      parameter = raw === undefined ? undefined : decodeURIComponent(raw);
    } catch {
      // A malformed escape is just an id that matches no card.
      parameter = raw;
    }
    return { kind: 'route', route, parameter };
  }
  return allowed.length > 0 ? { kind: 'wrong_method', allowed } : { kind: 'no_route' };
}
