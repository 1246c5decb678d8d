import type { Context } from 'hono';
import type { z } from 'zod';
import type { Role } from '../accounts/roles.js';
import type { AppEnv, Platform } from './env.js';

/** What the OpenAPI document says about one operation. */
export interface RouteSpec {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** OpenAPI form: `/v1/sessions/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  /** `apiKey`: a key in the Authorization header; `session`: the account session cookie. */
  auth?: 'apiKey' | 'session';
  body?: z.ZodType;
  /** The query parameters (an object schema): documented as `in: query` parameters. */
  query?: z.ZodObject;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
}

/**
 * One operation of the public API: what the OpenAPI document says of it, whether
 * browsers call it (CORS open to any origin: they hold session tokens, whose grant
 * decides the origins), and its handler. The app registers the list of these, so the
 * document, the router and CORS cannot drift apart.
 */
export interface Route {
  spec: RouteSpec;
  browser?: boolean;
  /**
   * Management routes (cookie sessions, CSRF-checked on state changes): `public`
   * (sign-up, sign-in), `signed-in`, `instance-admin`, or the least org role the
   * operation needs in the path's `{org}`. The role-matrix test reads this.
   */
  access?: 'public' | 'signed-in' | 'instance-admin' | Role;
  handle(c: Context<AppEnv>, p: Platform): Response | Promise<Response>;
}

/** `/v1/sessions/{id}` as the router writes it: `/v1/sessions/:id`. */
export const routerPath = (path: string): string => path.replace(/\{(\w+)\}/g, ':$1');
