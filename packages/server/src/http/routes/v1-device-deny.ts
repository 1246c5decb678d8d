import { denyDeviceCode } from '../../accounts/device-codes.js';
import { requestContext, requireUser } from '../account-session.js';
import type { Route, RouteSpec } from '../route.js';
import {
  checkCodeMisses,
  DeviceRequestSchema,
  refuseDevice,
  userCodeParam,
} from './device-schemas.js';

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/device/{userCode}/deny',
  operationId: 'denyDevice',
  summary: 'Decline a device sign-in: the CLI is told DEVICE_ACCESS_DENIED',
  description: 'Audited `device.denied`. Any signed-in person may decline a code they were shown.',
  auth: 'session',
  responses: {
    200: { description: 'Declined', schema: DeviceRequestSchema },
    401: { description: 'NOT_SIGNED_IN' },
    403: { description: 'CSRF_REJECTED' },
    404: { description: 'NOT_FOUND (unknown or expired)' },
    409: { description: 'CONFLICT (already approved or denied)' },
    429: { description: 'RATE_LIMITED (too many unknown codes; Retry-After)' },
  },
};

export const route: Route = {
  spec,
  access: 'signed-in',
  async handle(c, p) {
    const user = await requireUser(c, p);
    await checkCodeMisses(p, user.id);
    const denied = await denyDeviceCode(
      p,
      { userId: user.id, ctx: requestContext(c) },
      { userCode: userCodeParam(c) },
    );
    if (!denied.ok) throw await refuseDevice(p, user.id, denied);
    return c.json(denied.value, 200, { 'Cache-Control': 'no-store' });
  },
};
