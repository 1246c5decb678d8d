import { describe, expect, it } from 'vitest';
import { adminApiVia } from '../admin/admin-api.js';
import { ADMIN_OPERATIONS } from '../admin/admin-schemas.js';
import { ok } from '../services/result.js';
import { createAdminRoutes } from './admin-routes.js';

const calls: Array<[string, unknown]> = [];
const routes = createAdminRoutes(
  adminApiVia(async (op, input) => {
    calls.push([op, input]);
    return ok({ op });
  }),
);
const post = (op: string, body: unknown) =>
  routes.request(`/admin/${op}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('the admin socket’s routes', () => {
  it('answers every operation the schemas list', async () => {
    expect(ADMIN_OPERATIONS).toContain('revokeKey');
    const res = await post('listRuntimes', {});
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, value: { op: 'listRuntimes' } });
    expect(calls).toEqual([['listRuntimes', {}]]);
  });

  it('refuses with the code’s own status, not 500', async () => {
    const unknown = await post('dropEverything', {});
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    const inherited = await post('toString', {});
    expect(inherited.status).toBe(404);
    const invalid = await post('createOrg', { name: 'x' });
    expect(invalid.status).toBe(400);
    const { error } = (await invalid.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.message).toMatch(/^actor: /);
  });
});
