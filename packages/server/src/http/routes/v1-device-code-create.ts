import { z } from 'zod';
import { createDeviceCode } from '../../accounts/device-codes.js';
import { HttpError } from '../http-error.js';
import { readJson } from '../read-json.js';
import type { Route, RouteSpec } from '../route.js';
import { NO_STORE } from './management-schemas.js';

/** A host name as `os.hostname()` gives it (the CLI replaces anything else with `-`). */
export const ClientName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/,
    'a host name: letters, digits, ".", "_" and "-", at most 100',
  );

export const CreateDeviceCodeBody = z
  .strictObject({
    clientName: ClientName.optional().describe(
      'the host name of the machine the CLI runs on; the key is named `cli on <clientName>`',
    ),
  })
  .meta({ id: 'CreateDeviceCodeRequest' });

export const DeviceCodeSchema = z
  .object({
    deviceCode: z.string().describe('the CLI’s polling secret: keep it, show it to no one'),
    userCode: z.string().describe('XXXX-XXXX: what the person confirms in the browser'),
    verificationUri: z.string().describe('`<server>/device`'),
    verificationUriComplete: z.string().describe('`<server>/device?code=XXXX-XXXX`'),
    expiresIn: z.number().int().describe('seconds (600)'),
    interval: z.number().int().describe('seconds to wait between polls (5)'),
  })
  .meta({ id: 'DeviceCode' });

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/device/code',
  operationId: 'createDeviceCode',
  summary: 'Start a device sign-in (the CLI): a code pair, valid 10 minutes',
  description:
    'RFC 8628’s device authorization request. The CLI shows `userCode` and `verificationUriComplete`, then polls POST /v1/device/token with `deviceCode` every `interval` seconds. Limited per client address (LATCHKEY_SIGNIN_PER_IP, per minute).',
  body: CreateDeviceCodeBody,
  responses: {
    200: { description: 'The code pair', schema: DeviceCodeSchema },
    400: { description: 'INVALID_REQUEST' },
    403: { description: 'CSRF_REJECTED' },
    429: { description: 'RATE_LIMITED (Retry-After)' },
  },
};

export const route: Route = {
  spec,
  access: 'public',
  async handle(c, p) {
    const body = await readJson(c, CreateDeviceCodeBody, true);
    const perMinute = p.config.signInPerIp;
    if (perMinute > 0) {
      const d = await p.limiter.take(`device:ip:${c.get('ip')}`, {
        perSecond: perMinute / 60,
        burst: perMinute,
      });
      if (!d.allowed)
        throw new HttpError(
          'RATE_LIMITED',
          `too many sign-in codes asked for from this address; retry in ${d.retryAfter} s`,
          { 'Retry-After': String(d.retryAfter) },
        );
    }
    const made = await createDeviceCode(p, { clientName: body.clientName, ip: c.get('ip') });
    const page = `${p.issuer}/device`;
    return c.json(
      {
        deviceCode: made.deviceCode,
        userCode: made.userCode,
        verificationUri: page,
        verificationUriComplete: `${page}?code=${made.userCode}`,
        expiresIn: made.expiresIn,
        interval: made.interval,
      },
      200,
      NO_STORE,
    );
  },
};
