import { findDeviceRequest } from '../../accounts/device-codes.js';
import { requireUser } from '../account-session.js';
import { HttpError } from '../http-error.js';
import type { Route, RouteSpec } from '../route.js';
import { DeviceRequestSchema, userCodeParam } from './device-schemas.js';

export const spec: RouteSpec = {
  method: 'get',
  path: '/v1/device/{userCode}',
  operationId: 'getDeviceRequest',
  summary: 'What a device sign-in code asks for: the CLI’s host, when, its state',
  description:
    'For the approval page (`/device?code=…`). `{userCode}` is `XXXX-XXXX` in any case, with or without the dash. Unknown or expired: 404.',
  auth: 'session',
  responses: {
    200: { description: 'The request', schema: DeviceRequestSchema },
    401: { description: 'NOT_SIGNED_IN' },
    404: { description: 'NOT_FOUND (unknown or expired)' },
  },
};

export const route: Route = {
  spec,
  access: 'signed-in',
  async handle(c, p) {
    await requireUser(c, p);
    const found = await findDeviceRequest(p, userCodeParam(c));
    if (!found.ok) throw HttpError.from(found);
    return c.json(found.value, 200, { 'Cache-Control': 'no-store' });
  },
};
