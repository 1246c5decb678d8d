// The coordinator↔runtime wire protocol, once: zod schemas both ends parse with, and the
// types they infer. Node-only (it pulls in zod): exported from `@latchkey/core/node`,
// never from the browser entry. Objects strip fields they do not know, so a newer
// runtime can talk to an older coordinator and back.
import { z } from 'zod';
import { type ErrorCode, isErrorCode } from './errors.js';
import { CLOSE_REASONS, type ModelInfo } from './realtime.js';
import { MAX_TOKEN_LENGTH } from './verify-token.js';

/** Session and job ids on the wire (`ses_…`, `job_…`). */
export const WIRE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export const CloseReasonSchema = z.enum(CLOSE_REASONS);

const MediaKindSchema = z.enum(['video', 'audio']);

/** A model as a runtime registers it and `GET /v1/models` lists it. */
export const ModelInfoSchema = z.object({
  name: z.string(),
  kind: z.enum(['realtime', 'batch']),
  description: z.string(),
  tracks: z
    .object({ input: z.array(MediaKindSchema), output: z.array(MediaKindSchema) })
    .optional(),
  commands: z.array(z.string()).optional(),
  resultType: z.string().optional(),
  /** A partner model's version this runtime serves (`latchkey runtime --model`). */
  version: z.string().max(64).optional(),
  /**
   * Where the runtime is with it: `deploying` while it pulls the version's weights,
   * `ready` when it takes work, `failed` when it could not load (see `stateMessage`).
   * Absent means ready (built-in models, older runtimes).
   */
  state: z.enum(['deploying', 'ready', 'failed']).optional(),
  stateMessage: z.string().max(500).optional(),
});

/** How many sessions and concurrent batch jobs a runtime takes. */
export const RuntimeCapacitySchema = z.object({
  sessions: z.number().int().min(0).max(100_000),
  jobs: z.number().int().min(0).max(10_000),
});
export type RuntimeCapacity = z.infer<typeof RuntimeCapacitySchema>;

// ---- coordinator → runtime (the runtime's HTTP handler, or the embedded runtime's calls)

/** `POST /sessions`: prepare a session; media starts with the offer. */
export const OpenSessionRequestSchema = z.object({
  /** The coordinator's id for the session (`ses_…`). */
  sessionId: z.string().regex(WIRE_ID),
  model: z.string().min(1).max(180),
  /** The session token the caller presented, or the one the coordinator minted for a key. */
  token: z.string().max(MAX_TOKEN_LENGTH),
  /** The `Origin` of the caller's request, if it sent one. */
  origin: z.string().max(2048).nullable(),
  /** Epoch milliseconds by which the session must have ended. */
  expiresAt: z.number().int().positive(),
});
export type OpenSessionRequest = z.infer<typeof OpenSessionRequestSchema>;
export const OpenSessionAnswerSchema = z.object({ expiresAt: z.number() });

/** `POST /sessions/{id}/offer`: the browser's SDP offer; the answer carries the runtime's. */
export const OfferRequestSchema = z.object({ sdp: z.string() });
export const OfferAnswerSchema = z.object({ sdp: z.string() });

/** `POST /jobs/validate`: a job's input checked against the model's schema. */
export const ValidateJobRequestSchema = z.object({
  model: z.string().min(1).max(180),
  input: z.unknown(),
});

/** `POST /jobs`: run a batch job; the answer is its bytes with their content type. */
export const RunJobRequestSchema = z.object({
  jobId: z.string().regex(WIRE_ID),
  model: z.string().min(1).max(180),
  token: z.string().max(MAX_TOKEN_LENGTH),
  input: z.unknown(),
});
export type RunJobRequest = z.infer<typeof RunJobRequestSchema>;

/** A refusal either way: the error envelope's code (from the registry) and message. */
export const RefusalAnswerSchema = z.object({
  error: z.object({
    code: z.custom<ErrorCode>(isErrorCode),
    message: z.string().catch(''),
  }),
});

// ---- runtime → coordinator (`/v1/runtimes/*`, with the `rt_` credential)

/**
 * What a runtime tells the coordinator. `session-waiting` follows an accepted offer,
 * `session-active` comes when the transport is up and the model is ready,
 * `session-closed` when it ends for any reason (including the coordinator's own close).
 */
export const RuntimeEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('session-waiting'), sessionId: z.string(), at: z.number() }),
  z.object({ type: z.literal('session-active'), sessionId: z.string(), at: z.number() }),
  z.object({
    type: z.literal('session-closed'),
    sessionId: z.string(),
    reason: CloseReasonSchema,
    at: z.number(),
  }),
]);
export type RuntimeEvent = z.infer<typeof RuntimeEventSchema>;

export const InstanceIdSchema = z.string().min(8).max(64);

/** `POST /v1/runtimes/register`: where the coordinator reaches the runtime, and what it serves. */
export const RegisterRequestSchema = z.object({
  instanceId: InstanceIdSchema,
  url: z
    .string()
    .max(512)
    .refine((u) => {
      try {
        const url = new URL(u);
        return (
          (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.search
        );
      } catch {
        return false;
      }
    }, 'must be the http(s) URL the coordinator reaches this runtime at'),
  models: z.array(ModelInfoSchema).max(100),
  capacity: RuntimeCapacitySchema,
  /** The bearer secret the coordinator must send the runtime. */
  secret: z.string().min(32).max(256),
  version: z.string().max(64).optional(),
});
export type RegisterRequest = z.infer<typeof RegisterRequestSchema>;

export const RegisterAnswerSchema = z.object({
  runtimeId: z.string().min(1),
  issuer: z.string().min(1),
  audience: z.string().min(1),
  jwksUrl: z.string().min(1),
  heartbeatSeconds: z.number().positive().optional(),
});
export type RegisterAnswer = z.infer<typeof RegisterAnswerSchema>;

/** `POST /v1/runtimes/heartbeat`: the sessions the runtime has open. */
export const HeartbeatRequestSchema = z.object({
  instanceId: InstanceIdSchema,
  sessions: z.array(z.string().max(64)).max(100_000),
});
export type HeartbeatRequest = z.infer<typeof HeartbeatRequestSchema>;

/** The sessions the runtime must end. A reason this runtime does not know reads as `runtime_lost`. */
export const HeartbeatAnswerSchema = z.object({
  close: z.array(
    z.object({ sessionId: z.string(), reason: CloseReasonSchema.catch('runtime_lost') }),
  ),
});
export type HeartbeatAnswer = z.infer<typeof HeartbeatAnswerSchema>;

/** `POST /v1/runtimes/events`. */
export const EventsRequestSchema = z.object({
  instanceId: InstanceIdSchema,
  events: z.array(RuntimeEventSchema).max(1000),
});
export type EventsRequest = z.infer<typeof EventsRequestSchema>;

/** `POST /v1/runtimes/deregister`. */
export const DeregisterRequestSchema = z.object({ instanceId: InstanceIdSchema });

// The browser entry's hand-written ModelInfo and this schema must say the same thing.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const modelInfoAgrees: Same<z.infer<typeof ModelInfoSchema>, ModelInfo> = true;
void modelInfoAgrees;
