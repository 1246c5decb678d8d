import { z } from 'zod';
import { resolveRuntimeModel } from '../../realtime/runtime-models.js';
import { authenticateRuntime } from '../authenticate-runtime.js';
import { HttpError } from '../http-error.js';
import { readJson } from '../read-json.js';
import type { Route, RouteSpec } from '../route.js';
import { RUNTIME_AUTH_ERRORS } from './runtime-schemas.js';

export const ResolveBody = z
  .strictObject({
    model: z
      .string()
      .min(1)
      .max(180)
      .describe("`<org-slug>/<name>`, or the bare name for the runtime's own org"),
    version: z.string().min(1).max(64).optional().describe('default: the model’s default version'),
  })
  .meta({ id: 'RuntimeResolveRequest' });

export const ResolvedModelSchema = z
  .object({
    name: z.string(),
    kind: z.enum(['realtime', 'batch']),
    description: z.string(),
    version: z.string(),
    weights: z
      .object({
        registry: z.string().nullable().describe('HOST[:PORT] of the registry; null: none'),
        repository: z.string(),
        manifestDigest: z.string(),
        files: z.array(z.object({ path: z.string(), digest: z.string(), size: z.number().int() })),
      })
      .nullable()
      .describe('null: this version runs without weights'),
  })
  .meta({ id: 'RuntimeResolvedModel' });

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/runtimes/resolve',
  operationId: 'resolveRuntimeModel',
  summary: 'Which version of a partner model a runtime should serve, and its weights',
  description:
    "Called by `latchkey runtime --model`: a partner runtime may resolve only its own org's models; an operator runtime any partner model by its full name.",
  body: ResolveBody,
  responses: {
    200: { description: 'The version to serve', schema: ResolvedModelSchema },
    400: { description: 'INVALID_REQUEST' },
    401: { description: RUNTIME_AUTH_ERRORS },
    403: { description: "RUNTIME_MODEL_NOT_ALLOWED (another org's, or an unregistered, model)" },
    404: {
      description:
        'MODEL_NOT_FOUND, MODEL_VERSION_NOT_FOUND, WEIGHTS_NOT_FOUND (the version names weights that are not pushed)',
    },
    410: { description: 'MODEL_RETIRED' },
  },
};

export const route: Route = {
  spec,
  async handle(c, p) {
    const runtime = await authenticateRuntime(c, p);
    const body = await readJson(c, ResolveBody);
    const resolved = await resolveRuntimeModel(
      { db: p.db, registry: p.config.registry ?? null },
      runtime,
      body,
    );
    if (!resolved.ok) throw HttpError.from(resolved);
    return c.json(resolved.value, 200, { 'Cache-Control': 'no-store' });
  },
};
