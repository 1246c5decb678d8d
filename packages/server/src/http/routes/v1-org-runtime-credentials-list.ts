import { z } from 'zod';
import { listRuntimes } from '../../realtime/runtime-credentials.js';
import { requirePartnerOrg } from '../partner-access.js';
import type { Route, RouteSpec } from '../route.js';
import { NO_STORE } from './management-schemas.js';

export const RuntimeCredentialSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    display: z.string().nullable().describe('rt_…abcd: the secret is never shown again'),
    state: z.enum(['online', 'offline', 'revoked']),
    url: z.string().nullable().describe('where the coordinator reaches its runtime process'),
    models: z.array(z.string()).describe('what its runtime process announces now'),
    openSessions: z.number().int(),
    lastSeenAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'RuntimeCredential' });
export type RuntimeCredential = z.infer<typeof RuntimeCredentialSchema>;

export const spec: RouteSpec = {
  method: 'get',
  path: '/v1/orgs/{org}/runtime-credentials',
  operationId: 'listRuntimeCredentials',
  summary:
    "A partner org's runtime credentials (never a secret) and what their runtimes serve (viewer, or the partner key)",
  auth: 'session',
  responses: {
    200: {
      description: 'The credentials, oldest first',
      schema: z.object({ data: z.array(RuntimeCredentialSchema) }),
    },
    401: { description: 'NOT_SIGNED_IN, MISSING_API_KEY, INVALID_API_KEY' },
    403: { description: 'WRONG_KEY_KIND (an app key)' },
    404: { description: 'NOT_FOUND (also an org that is not a partner org)' },
  },
};

export const route: Route = {
  spec,
  access: 'viewer',
  async handle(c, p) {
    const { org } = await requirePartnerOrg(c, p, 'viewer');
    const rows = await listRuntimes(p, { orgId: org.id });
    const data: RuntimeCredential[] = rows.map((r) => ({
      id: r.id,
      name: r.name,
      display: r.display,
      state: r.state,
      url: r.url,
      models: r.models,
      openSessions: r.openSessions,
      lastSeenAt: r.lastSeenAt,
      createdAt: r.createdAt,
    }));
    return c.json({ data }, 200, NO_STORE);
  },
};
