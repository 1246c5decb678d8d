import type { z } from 'zod';

/** What the OpenAPI document says about one operation. */
export interface RouteSpec {
  method: 'get' | 'post' | 'delete';
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  auth?: 'apiKey';
  body?: z.ZodType;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
}
