import type { Hono } from 'hono';
import type { AppEnv, Platform } from '../env.js';
import type { RouteSpec } from '../route-spec.js';

export const spec: RouteSpec = {
  method: 'get',
  path: '/.well-known/jwks.json',
  operationId: 'jwks',
  summary: 'Public keys that verify session tokens',
  description:
    'Verifiers cache this for 5 minutes and refetch when a token names an unknown kid. Retired keys stay until their last token expires.',
  responses: { 200: { description: 'A JWK set (Ed25519, EdDSA)' } },
};

export function registerJwks(app: Hono<AppEnv>, p: Platform) {
  app.get(spec.path, (c) =>
    c.json(p.signingKeys.jwks(), 200, {
      'Cache-Control': 'public, max-age=300, stale-while-revalidate=60',
      'Access-Control-Allow-Origin': '*',
    }),
  );
}
