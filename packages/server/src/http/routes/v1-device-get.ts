import { findDeviceRequest } from '../../accounts/device-codes.js';
import { requireUser } from '../account-session.js';
import type { Route, RouteSpec } from '../route.js';
import {
  checkCodeMisses,
  DeviceRequestSchema,
  refuseDevice,
  userCodeParam,
} from './device-schemas.js';

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
    429: { description: 'RATE_LIMITED (too many unknown codes; Retry-After)' },
  },
};

export const route: Route = {
  spec,
  access: 'signed-in',
  async handle(c, p) {
    const user = await requireUser(c, p);
    await checkCodeMisses(p, user.id);
    const found = await findDeviceRequest(p, userCodeParam(c));
    if (!found.ok) throw await refuseDevice(p, user.id, found);
    return c.json(found.value, 200, { 'Cache-Control': 'no-store' });
  },
};
