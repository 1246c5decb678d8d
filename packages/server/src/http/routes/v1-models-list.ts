import { ModelInfoSchema } from '@latchkey/core/node';
import { z } from 'zod';
import { catalogFor } from '../../models/model-catalog.js';
import { authenticateCaller } from '../authenticate-caller.js';
import type { Route, RouteSpec } from '../route.js';

export const ModelInfo = ModelInfoSchema.extend({
  owner: z.string().optional().meta({ description: "a partner model's org slug" }),
  visibility: z.enum(['public', 'private']).optional(),
  defaultVersion: z.string().nullable().optional(),
  versions: z
    .array(z.string())
    .optional()
    .meta({ description: 'published, unretired; newest first' }),
  liveVersions: z.array(z.string()).optional().meta({ description: 'served ready now' }),
  served: z.boolean().optional().meta({ description: 'whether a runtime serves it now' }),
}).meta({ id: 'Model' });

export const spec: RouteSpec = {
  method: 'get',
  path: '/v1/models',
  operationId: 'listModels',
  summary: 'List the models this caller may use',
  description:
    "The built-in models live runtimes serve now, and the partner models the caller's org may name: public ones, private ones that list the org, and its own (with their versions, and whether a runtime serves them now). Realtime models take sessions, batch models take jobs. Takes an app key or a session token.",
  auth: 'apiKey',
  responses: {
    200: {
      description: 'The models',
      schema: z.object({ models: z.array(ModelInfo) }).meta({ id: 'ModelList' }),
    },
    401: { description: 'MISSING_API_KEY, INVALID_API_KEY, INVALID_TOKEN, TOKEN_EXPIRED, …' },
  },
};

export const route: Route = {
  spec,
  browser: true,
  async handle(c, p) {
    const caller = await authenticateCaller(c, p);
    const [live, builtIns] = await Promise.all([
      p.realtime.directory.live(),
      p.realtime.directory.models(),
    ]);
    return c.json({ models: await catalogFor(p, caller.orgId, live, builtIns) }, 200, {
      'Cache-Control': 'no-store',
    });
  },
};
