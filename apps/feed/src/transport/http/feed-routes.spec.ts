import { readFileSync } from 'node:fs';

import { OPENAPI_DOCUMENT_PATH } from '../../app.module';
import { FEED_ROUTES, matchRoute } from './feed-routes';

describe('feed routes', () => {
  it('every implemented route appears in the checked-in OpenAPI document with its operation id', () => {
    const document = JSON.parse(readFileSync(OPENAPI_DOCUMENT_PATH, 'utf8')) as {
      paths: Record<string, Record<string, { operationId?: string }>>;
    };
    for (const route of FEED_ROUTES) {
      expect([
        route.path,
        route.method,
        document.paths[route.path]?.[route.method.toLowerCase()]?.operationId,
      ]).toEqual([route.path, route.method, route.name]);
    }
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => key !== 'parameters')
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(
      FEED_ROUTES.map((route) => `${route.method} ${route.path}`).sort(),
    );
  });

  it('matches path parameters, reports allowed verbs and unknown paths', () => {
    expect(matchRoute('GET', '/accounts/acc_1/feed/stream')).toMatchObject({
      kind: 'route',
      parameter: 'acc_1',
    });
    expect(matchRoute('PUT', '/transactions/tx_1')).toEqual({
      kind: 'wrong_method',
      allowed: ['GET', 'PATCH'],
    });
    expect(matchRoute('GET', '/transactions/tx_1/extra')).toEqual({ kind: 'no_route' });
  });
});
