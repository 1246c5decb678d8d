import { ModelInfoSchema } from '@latchkey/core/node';
import { z } from 'zod';
import { authenticateCaller } from '../authenticate-caller.js';
import type { Route, RouteSpec } from '../route.js';

export const ModelInfo = ModelInfoSchema.meta({ id: 'Model' });

export const spec: RouteSpec = {
  method: 'get',
  path: '/v1/models',
  operationId: 'listModels',
  summary: 'List the models this platform serves now',
  description:
    'The union of the models of every live runtime: realtime models take sessions, batch models take jobs. Takes an app key or a session token.',
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
    await authenticateCaller(c, p);
    return c.json({ models: await p.realtime.directory.models() }, 200, {
      'Cache-Control': 'no-store',
    });
  },
};
