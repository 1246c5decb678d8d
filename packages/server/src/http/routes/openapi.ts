import { ERROR_CODES } from '@latchkey/core';
import type { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env.js';
import type { RouteSpec } from '../route.js';
import {
  DOCS_PAGE_CSP,
  DOCS_PATH,
  INIT_PATH,
  INIT_SCRIPT,
  REDOC_PATH,
  redocBundle,
  renderDocsPage,
} from './docs.js';
import { ERRORS_PAGE_CSP, ERRORS_PATH, renderErrorsPage } from './docs-errors.js';

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

/** A query schema's fields as OpenAPI `in: query` parameters. */
function queryParameters(query: z.ZodObject, components: Record<string, unknown>) {
  const schema = schemaOf(query, components) as {
    properties?: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  return Object.entries(schema.properties ?? {}).map(([name, { description, ...field }]) => ({
    name,
    in: 'query',
    required: schema.required?.includes(name) ?? false,
    ...(description ? { description } : {}),
    schema: field,
  }));
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
      ...(s.query ? { parameters: queryParameters(s.query, schemas) } : {}),
      ...(s.auth === 'apiKey' ? { security: [{ bearer: [] }, { apiKey: [] }] } : {}),
      ...(s.auth === 'session' ? { security: [{ accountSession: [] }] } : {}),
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
      description: `Access layer for realtime AI model platforms. Every error answer carries a stable code; the [error codes](${serverUrl}${ERRORS_PATH}) page says what each means and what to do.`,
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
        accountSession: {
          type: 'apiKey',
          in: 'cookie',
          name: 'latchkey.session_token',
          description:
            'The account session cookie set by POST /v1/auth/sign-in/email (named __Host-latchkey.session_token under HTTPS). Management routes take only this: never an API key or a session token.',
        },
      },
      schemas,
    },
    paths,
    'x-error-codes': Object.fromEntries(Object.entries(ERROR_CODES).map(([k, v]) => [k, v])),
  };
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
    path: DOCS_PATH,
    operationId: 'docs',
    summary: 'API reference (this document, rendered by Redoc)',
    responses: { 200: { description: 'HTML' } },
  },
  {
    method: 'get',
    path: ERRORS_PATH,
    operationId: 'docsErrors',
    summary: 'Error codes, their HTTP status and what to do, one anchor per code',
    responses: { 200: { description: 'HTML' } },
  },
];

const PAGE_CACHE = 'public, max-age=60';
// The asset paths carry Redoc's version: a new version is a new URL.
const ASSET_CACHE = 'public, max-age=31536000, immutable';

/** The OpenAPI document and the pages rendered from it: the reference and the error codes. */
export function registerOpenApi(
  app: Hono<AppEnv>,
  allSpecs: () => RouteSpec[],
  serverUrl: () => string,
) {
  let cached: { doc: ReturnType<typeof buildOpenApi>; html: string } | undefined;
  const get = () => {
    if (!cached) {
      const doc = buildOpenApi(allSpecs(), serverUrl());
      cached = { doc, html: renderDocsPage(doc) };
    }
    return cached;
  };
  const errorsHtml = renderErrorsPage();
  app.get('/v1/openapi.json', (c) => c.json(get().doc, 200, { 'Cache-Control': PAGE_CACHE }));
  app.get(DOCS_PATH, (c) =>
    c.html(get().html, 200, {
      'Cache-Control': PAGE_CACHE,
      'Content-Security-Policy': DOCS_PAGE_CSP,
    }),
  );
  app.get(ERRORS_PATH, (c) =>
    c.html(errorsHtml, 200, {
      'Cache-Control': PAGE_CACHE,
      'Content-Security-Policy': ERRORS_PAGE_CSP,
    }),
  );
  app.get(REDOC_PATH, async (c) => {
    const { body, gzipped } = await redocBundle();
    const gz = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
    return c.body(new Uint8Array(gz ? gzipped : body), 200, {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': ASSET_CACHE,
      Vary: 'Accept-Encoding',
      ...(gz ? { 'Content-Encoding': 'gzip' } : {}),
    });
  });
  app.get(INIT_PATH, (c) =>
    c.body(INIT_SCRIPT, 200, {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': ASSET_CACHE,
    }),
  );
}
