import { z } from 'zod';
import { pollDeviceCode } from '../../accounts/device-codes.js';
import { HttpError } from '../http-error.js';
import { readJson } from '../read-json.js';
import type { Route, RouteSpec } from '../route.js';
import { NO_STORE } from './management-schemas.js';

export const DeviceTokenBody = z
  .strictObject({
    deviceCode: z.string().min(1).max(200).describe('from POST /v1/device/code'),
  })
  .meta({ id: 'DeviceTokenRequest' });

export const DeviceTokenSchema = z
  .object({
    apiKey: z.string().describe('the new partner key (rp_…): in this answer once, never again'),
    keyId: z.string(),
    org: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
    server: z.string().describe('this server’s URL'),
  })
  .meta({ id: 'DeviceToken' });

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/device/token',
  operationId: 'pollDeviceToken',
  summary: 'Poll a device sign-in (the CLI): the new partner key once approved',
  description:
    'RFC 8628’s token request on our error envelope: 400 DEVICE_AUTHORIZATION_PENDING (authorization_pending), 429 DEVICE_SLOW_DOWN with Retry-After (slow_down: the interval grows by 5 s), 403 DEVICE_ACCESS_DENIED (access_denied), 410 DEVICE_CODE_EXPIRED (expired_token; also unknown or already used). Approved: the key, exactly once.',
  body: DeviceTokenBody,
  responses: {
    200: { description: 'Approved: the key', schema: DeviceTokenSchema },
    400: { description: 'DEVICE_AUTHORIZATION_PENDING, INVALID_REQUEST' },
    403: { description: 'DEVICE_ACCESS_DENIED, CSRF_REJECTED' },
    410: { description: 'DEVICE_CODE_EXPIRED (expired, unknown or already used)' },
    429: { description: 'DEVICE_SLOW_DOWN (Retry-After)' },
  },
};

export const route: Route = {
  spec,
  access: 'public',
  async handle(c, p) {
    const body = await readJson(c, DeviceTokenBody);
    const polled = await pollDeviceCode(p, body.deviceCode);
    if (!polled.ok)
      throw HttpError.from(
        polled,
        polled.retryAfter ? { 'Retry-After': String(polled.retryAfter) } : {},
      );
    return c.json({ ...polled.value, server: p.issuer }, 200, NO_STORE);
  },
};
