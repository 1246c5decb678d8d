import { z } from 'zod';
import { requireUser } from '../account-session.js';
import { callAuth, passCookies, refusalOf } from '../auth-forward.js';
import { readJson } from '../read-json.js';
import type { Route, RouteSpec } from '../route.js';
import { Ok } from './account-schemas.js';

export const SignOutBody = z
  .strictObject({
    everywhere: z
      .boolean()
      .optional()
      .describe('Also end every other session of this account (all devices)'),
  })
  .meta({ id: 'SignOutRequest' });

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/auth/sign-out',
  operationId: 'signOut',
  summary: 'Sign out of this device, or everywhere',
  auth: 'session',
  body: SignOutBody,
  responses: {
    200: { description: 'Signed out; the cookie is cleared', schema: Ok },
    401: { description: 'NOT_SIGNED_IN' },
    403: { description: 'CSRF_REJECTED' },
  },
};

export const route: Route = {
  spec,
  access: 'signed-in',
  async handle(c, p) {
    const body = await readJson(c, SignOutBody, true);
    const user = await requireUser(c, p);
    if (body.everywhere) {
      const all = await callAuth(c, p, '/revoke-sessions', { method: 'POST', body: {} });
      if (all.status !== 200) throw refusalOf(all);
    }
    const answer = await callAuth(c, p, '/sign-out', { method: 'POST', body: {} });
    passCookies(c, answer);
    await p.audit.write({
      orgId: null,
      action: body.everywhere ? 'account.signed_out_everywhere' : 'account.signed_out',
      actor: `user:${user.id}`,
      target: user.id,
      outcome: 'ok',
      ip: c.get('ip'),
      userAgent: c.req.header('user-agent') ?? null,
      requestId: c.get('requestId'),
    });
    return c.json({ ok: true }, 200);
  },
};
