import { z } from 'zod';
import { approveDeviceCode } from '../../accounts/device-codes.js';
import { requestContext, requireOrgRef } from '../account-session.js';
import { readJson } from '../read-json.js';
import type { Route, RouteSpec } from '../route.js';
import {
  checkCodeMisses,
  DeviceRequestSchema,
  refuseDevice,
  userCodeParam,
} from './device-schemas.js';
import { ApiKeySchema } from './management-schemas.js';

export const ApproveDeviceBody = z
  .strictObject({
    org: z
      .string()
      .min(1)
      .max(200)
      .describe('the org (id or slug) the CLI signs in to: a partner org where you are developer+'),
  })
  .meta({ id: 'ApproveDeviceRequest' });

export const ApprovedDeviceSchema = z
  .object({ request: DeviceRequestSchema, key: ApiKeySchema.describe('the key the CLI receives') })
  .meta({ id: 'ApprovedDevice' });

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/device/{userCode}/approve',
  operationId: 'approveDevice',
  summary: 'Authorize the CLI: it receives a new partner key of the org, named for its host',
  description:
    'Needs the developer role (or higher) in `org`, a partner org. Creates the partner key `cli on <clientName>` (actor `user:<id>`), audited with `key.created` and `device.approved` in one transaction; the CLI’s next poll receives its secret. The answer never holds the secret.',
  auth: 'session',
  body: ApproveDeviceBody,
  responses: {
    200: { description: 'Approved', schema: ApprovedDeviceSchema },
    400: { description: 'INVALID_REQUEST' },
    401: { description: 'NOT_SIGNED_IN' },
    403: {
      description: 'DEVELOPER_ROLE_REQUIRED, WRONG_KEY_KIND (not a partner org), CSRF_REJECTED',
    },
    404: { description: 'NOT_FOUND (the code, or an org you are not in)' },
    409: { description: 'CONFLICT (already approved or denied)' },
    429: { description: 'RATE_LIMITED (too many unknown codes; Retry-After)' },
  },
};

export const route: Route = {
  spec,
  access: 'signed-in',
  async handle(c, p) {
    const body = await readJson(c, ApproveDeviceBody);
    const access = await requireOrgRef(c, p, body.org, 'developer');
    await checkCodeMisses(p, access.user.id);
    const approved = await approveDeviceCode(
      p,
      { userId: access.user.id, ctx: requestContext(c) },
      { userCode: userCodeParam(c), orgId: access.org.id },
    );
    if (!approved.ok) throw await refuseDevice(p, access.user.id, approved);
    return c.json(approved.value, 200, { 'Cache-Control': 'no-store' });
  },
};
