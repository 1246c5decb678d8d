import type { Route, RouteSpec } from '../route.js';

export const spec: RouteSpec = {
  method: 'get',
  path: '/.well-known/jwks.json',
  operationId: 'jwks',
  summary: 'Public keys that verify session tokens',
  description:
    'Verifiers cache this for 5 minutes and refetch when a token names an unknown kid. Retired keys stay until their last token expires.',
  responses: { 200: { description: 'A JWK set (Ed25519, EdDSA)' } },
};

export const route: Route = {
  spec,
  handle(c, p) {
    return c.json(p.signingKeys.jwks(), 200, {
      'Cache-Control': 'public, max-age=300, stale-while-revalidate=60',
      'Access-Control-Allow-Origin': '*',
    });
  },
};
