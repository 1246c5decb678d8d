// The runtime protocol's bodies, named for the OpenAPI document. The schemas themselves
// are core's (`@latchkey/core/node`), the ones the runtime builds its requests from.
import {
  DeregisterRequestSchema,
  EventsRequestSchema,
  HeartbeatAnswerSchema,
  HeartbeatRequestSchema,
  RegisterAnswerSchema,
  RegisterRequestSchema,
} from '@latchkey/core/node';

export const RegisterBody = RegisterRequestSchema.meta({ id: 'RuntimeRegistration' });
export const RegisterAnswer = RegisterAnswerSchema.meta({ id: 'RuntimeRegistered' });
export const HeartbeatBody = HeartbeatRequestSchema.meta({ id: 'RuntimeHeartbeat' });
export const HeartbeatAnswer = HeartbeatAnswerSchema.meta({ id: 'RuntimeHeartbeatAnswer' });
export const EventsBody = EventsRequestSchema.meta({ id: 'RuntimeEvents' });
export const DeregisterBody = DeregisterRequestSchema.meta({ id: 'RuntimeDeregistration' });

export const RUNTIME_AUTH_ERRORS =
  'MISSING_API_KEY, RUNTIME_CREDENTIAL_INVALID, RUNTIME_CREDENTIAL_REVOKED (the rt_ credential)';
