import { ERROR_CODES } from '@latchkey/core';
import type { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.js';
import type { RouteSpec } from '../route.js';

const ErrorEnvelope = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_CODES) as [string, ...string[]]),
      message: z.string(),
      requestId: z.string(),
      docs: z.string(),
    }),
  })
  .meta({ id: 'ErrorEnvelope' });

/**
 * JSON Schema for one zod schema, with its named parts (`.meta({id})`) moved to
 * `components.schemas`: zod writes them as `$defs` beside a `#/$defs/…` ref, which
 * inside an OpenAPI document would resolve against the document root and break.
 */
function schemaOf(s: z.ZodType, components: Record<string, unknown>): Record<string, unknown> {
  const {
    $schema: _,
    $defs,
    ...rest
  } = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const rebase = <T>(v: T): T =>
    JSON.parse(JSON.stringify(v).replaceAll('"#/$defs/', '"#/components/schemas/')) as T;
  for (const [name, def] of Object.entries(($defs ?? {}) as Record<string, unknown>))
    components[name] = rebase(def);
  return rebase(rest);
}

/** Builds the OpenAPI 3.1 document from the routes' own specs. */
export function buildOpenApi(specs: RouteSpec[], serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Record<string, unknown> = {};
  const errorSchema = schemaOf(ErrorEnvelope, schemas);
  for (const s of specs) {
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(s.responses)) {
      const isError = Number(status) >= 400;
      const schema = r.schema ? schemaOf(r.schema, schemas) : isError ? errorSchema : undefined;
      responses[status] = {
        description: r.description,
        ...(schema ? { content: { 'application/json': { schema } } } : {}),
      };
    }
    paths[s.path] ??= {};
    (paths[s.path] as Record<string, unknown>)[s.method] = {
      operationId: s.operationId,
      summary: s.summary,
      ...(s.description ? { description: s.description } : {}),
      ...(s.auth ? { security: [{ bearer: [] }, { apiKey: [] }] } : {}),
      ...(s.body
        ? {
            requestBody: {
              required: false,
              content: { 'application/json': { schema: schemaOf(s.body, schemas) } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Latchkey API',
      version: '1',
      description: 'Access layer for realtime AI model platforms.',
    },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key: rk_… (app) or rp_… (partner)',
        },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
      schemas,
    },
    paths,
    'x-error-codes': Object.fromEntries(Object.entries(ERROR_CODES).map(([k, v]) => [k, v])),
  };
}

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** A self-contained docs page (no CDN): operations, bodies and error codes. */
export function renderDocs(doc: ReturnType<typeof buildOpenApi>): string {
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const o = op as {
        summary: string;
        description?: string;
        requestBody?: { content: Record<string, { schema: unknown }> };
        responses: Record<string, { description: string }>;
      };
      const bodySchema = o.requestBody?.content['application/json']?.schema as
        | { $ref?: string }
        | undefined;
      const shown =
        bodySchema?.$ref?.startsWith('#/components/schemas/') === true
          ? (doc.components.schemas[bodySchema.$ref.slice('#/components/schemas/'.length)] ??
            bodySchema)
          : bodySchema;
      const body = o.requestBody
        ? `<h4>Body</h4><pre>${esc(JSON.stringify(shown, null, 2))}</pre>`
        : '';
      const res = Object.entries(o.responses)
        .map(([st, r]) => `<li><code>${st}</code> ${esc(r.description)}</li>`)
        .join('');
      return `<section id="${esc(method + path)}"><h3><span class="m">${method.toUpperCase()}</span> <code>${esc(path)}</code></h3><p>${esc(o.summary)}</p>${o.description ? `<p>${esc(o.description)}</p>` : ''}${body}<h4>Responses</h4><ul>${res}</ul></section>`;
    }),
  );
  const codes = Object.entries(ERROR_CODES)
    .map(
      ([k, v]) =>
        `<tr id="${k}"><td><code>${k}</code></td><td>${v.status}</td><td>${esc(v.fix)}</td></tr>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Latchkey API</title><meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}pre{background:#f5f5f4;padding:.75rem;overflow:auto;font-size:13px}.m{background:#1f2937;color:#fff;padding:0 .4rem;border-radius:3px;font-size:13px}section{border-top:1px solid #e5e5e5;padding-top:.5rem}table{border-collapse:collapse}td{border-bottom:1px solid #eee;padding:.25rem .5rem;vertical-align:top}</style></head>
<body><h1>Latchkey API</h1><p>Send keys as <code>Authorization: Bearer rk_…</code> or <code>X-API-Key</code>. Every error is <code>{"error":{"code","message","requestId","docs"}}</code>. Machine-readable: <a href="/v1/openapi.json">/v1/openapi.json</a>.</p>
${ops.join('\n')}<h2 id="errors">Error codes</h2><table><tr><th>code</th><th>status</th><th>what to do</th></tr>${codes}</table></body></html>`;
}

export const specs: RouteSpec[] = [
  {
    method: 'get',
    path: '/v1/openapi.json',
    operationId: 'openapi',
    summary: 'This OpenAPI document',
    responses: { 200: { description: 'OpenAPI 3.1' } },
  },
  {
    method: 'get',
    path: '/docs',
    operationId: 'docs',
    summary: 'Rendered API docs',
    responses: { 200: { description: 'HTML' } },
  },
];

export function registerOpenApi(
  app: Hono<AppEnv>,
  allSpecs: () => RouteSpec[],
  serverUrl: () => string,
) {
  let cached: { doc: ReturnType<typeof buildOpenApi>; html: string } | undefined;
  const get = () => {
    if (!cached) {
      const doc = buildOpenApi(allSpecs(), serverUrl());
      cached = { doc, html: renderDocs(doc) };
    }
    return cached;
  };
  app.get('/v1/openapi.json', (c) =>
    c.json(get().doc, 200, { 'Cache-Control': 'public, max-age=60' }),
  );
  app.get('/docs', (c) => c.html(get().html, 200, { 'Cache-Control': 'public, max-age=60' }));
}
