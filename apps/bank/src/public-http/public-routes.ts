import type { StartedService } from '../bank-services';
import type { PublicRoute, UpstreamAddress } from './public-http-router';

/**
 * Which service serves which first path segment (FEED-API.md: each path is served by the service
 * that owns its data). The endpoint key is where that service's StartedService lists its API.
 */
export const PUBLIC_PATHS: readonly {
  readonly service: string;
  readonly endpoint: string;
  readonly prefixes: readonly string[];
}[] = [
  {
    service: 'feed',
    endpoint: 'api',
    prefixes: ['/accounts', '/balance', '/transactions', '/feed', '/app', '/openapi.json'],
  },
  { service: 'authorization', endpoint: 'cards', prefixes: ['/cards'] },
  { service: 'notifications', endpoint: 'api', prefixes: ['/devices', '/webhooks'] },
];

function upstreamOf(url: string): UpstreamAddress {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

/** The routes of the services that run; a service not running leaves its paths unrouted (404). */
export function publicRoutesOf(services: readonly StartedService[]): PublicRoute[] {
  return PUBLIC_PATHS.flatMap(({ service, endpoint, prefixes }) => {
    const url = services.find((candidate) => candidate.name === service)?.endpoints[endpoint];
    if (url === undefined) {
      return [];
    }
    const upstream = upstreamOf(url);
    return prefixes.map((prefix) => ({ prefix, service, upstream }));
  });
}
