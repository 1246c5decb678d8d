import { z } from 'zod';
import { authenticateKey } from '../authenticate.js';
import type { Route, RouteSpec } from '../route.js';

export const WhoamiResponse = z
  .object({
    org: z.object({ id: z.string(), slug: z.string(), name: z.string(), partner: z.boolean() }),
    key: z.object({
      id: z.string(),
      kind: z.enum(['app', 'partner']),
      display: z.string(),
      expiresAt: z.string().nullable(),
    }),
  })
  .meta({ id: 'WhoamiResponse' });

export const spec: RouteSpec = {
  method: 'get',
  path: '/v1/whoami',
  operationId: 'whoami',
  summary: 'Describe the presented key',
  auth: 'apiKey',
  responses: {
    200: { description: 'The key and its org', schema: WhoamiResponse },
    401: { description: 'Key refused' },
  },
};

export const route: Route = {
  spec,
  async handle(c, p) {
    const key = await authenticateKey(c, p);
    const org = await p.db
      .selectFrom('orgs')
      .select(['id', 'slug', 'name', 'partner'])
      .where('id', '=', key.orgId)
      .executeTakeFirstOrThrow();
    p.keys.touch(key.id);
    return c.json(
      {
        org,
        key: {
          id: key.id,
          kind: key.kind,
          display: key.display,
          expiresAt: key.expiresAt === null ? null : new Date(key.expiresAt).toISOString(),
        },
      },
      200,
      { 'Cache-Control': 'no-store' },
    );
  },
};
