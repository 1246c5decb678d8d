// The shapes of realtime sessions, batch jobs and models, as the HTTP API returns
// them, and the messages that travel on a session's data channel. Browser-safe:
// the SDK, the server and the runtime all read them from here.

/** `created` → (SDP offer) `waiting` → (transport up, model ready) `active` → `closed`. */
export type SessionState = 'created' | 'waiting' | 'active' | 'closed';

/** Why a session ended. Stable strings: clients switch on them. */
export const CLOSE_REASONS = [
  /** The client ended it (`DELETE /v1/sessions/{id}` or `disconnect()`). */
  'client_closed',
  /** It reached the grant's `maxSessionSeconds`. */
  'expired',
  /** An operator revoked the minting key with `--end-sessions`. */
  'key_revoked',
  /** A member of the org ended it (`DELETE /v1/orgs/{org}/sessions/{id}`, the dashboard). */
  'ended_by_member',
  /** The media transport dropped and did not come back within the grace period. */
  'transport_lost',
  /** No offer, or no connected transport, in time after the session was created. */
  'connect_timeout',
  /** The runtime hosting it stopped answering. */
  'runtime_lost',
  /** The runtime hosting it shut down. */
  'runtime_shutdown',
  /** The model failed. */
  'model_error',
] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

export function isCloseReason(value: unknown): value is CloseReason {
  return typeof value === 'string' && (CLOSE_REASONS as readonly string[]).includes(value);
}

/** A session as `GET /v1/sessions/{id}` describes it. */
export interface SessionInfo {
  sessionId: string;
  model: string;
  state: SessionState;
  createdAt: string;
  activeAt: string | null;
  closedAt: string | null;
  /** When the session ends at the latest (the grant's `maxSessionSeconds` after creation). */
  expiresAt: string;
  closeReason: CloseReason | null;
}

/** An ICE server for the browser's RTCPeerConnection (STUN/TURN), as the platform configures it. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** What `POST /v1/sessions` answers: the session, and how the browser should connect. */
export interface CreatedSession extends SessionInfo {
  iceServers: IceServer[];
}

export type MediaKind = 'video' | 'audio';

/** A model as `GET /v1/models` lists it. */
export interface ModelInfo {
  name: string;
  /** `realtime` models take sessions; `batch` models take jobs. */
  kind: 'realtime' | 'batch';
  description: string;
  /** Realtime: the tracks it takes from and gives to the caller. */
  tracks?: { input: MediaKind[]; output: MediaKind[] };
  /** Realtime: the commands it answers on the data channel. */
  commands?: string[];
  /** Batch: the content type of its results. */
  resultType?: string;
  /** A partner model's version (`latchkey runtime --model`); absent for built-ins. */
  version?: string;
  /** On a runtime: `deploying` while it pulls weights, `ready`, or `failed`. Absent means ready. */
  state?: 'deploying' | 'ready' | 'failed';
  stateMessage?: string;
}

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed';

/** A batch job as `GET /v1/jobs/{id}` describes it. */
export interface JobInfo {
  jobId: string;
  model: string;
  state: JobState;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Set when `state` is `failed`. */
  error: { code: string; message: string } | null;
  /** Set when `state` is `succeeded`: fetch the bytes from `GET /v1/jobs/{id}/result`. */
  result: { contentType: string; bytes: number } | null;
}

// --- The data channel ------------------------------------------------------------

/** The label of the one data channel a session uses. */
export const DATA_CHANNEL_LABEL = 'latchkey';
/** Largest message either side sends or accepts on the data channel, in bytes of JSON. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** Client → runtime. `id` correlates the reply; at most 64 characters. */
export interface CommandMessage {
  type: 'command';
  id: string;
  name: string;
  data?: unknown;
}
export type ClientMessage = CommandMessage;

/** Runtime → client. */
export type RuntimeMessage =
  /** The model is ready for this session: the client's status becomes `ready`. */
  | { type: 'ready'; sessionId: string; model: string; commands: string[] }
  | { type: 'reply'; id: string; ok: true; data?: unknown }
  | { type: 'reply'; id: string; ok: false; error: { code: string; message: string } }
  /** Something the model says unasked (for example a caption, or a state change). */
  | { type: 'message'; name: string; data?: unknown }
  /** The runtime is about to end the session, and why. */
  | { type: 'closing'; reason: CloseReason };

const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJson(text: unknown): Record<string, unknown> | undefined {
  if (typeof text !== 'string' || text.length > MAX_MESSAGE_BYTES) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** A command from a client, or undefined when the text is not one. */
export function parseClientMessage(text: unknown): ClientMessage | undefined {
  const m = parseJson(text);
  if (m?.type !== 'command') return undefined;
  if (typeof m.id !== 'string' || m.id.length === 0 || m.id.length > 64) return undefined;
  if (typeof m.name !== 'string' || !NAME.test(m.name)) return undefined;
  return { type: 'command', id: m.id, name: m.name, data: m.data };
}

/** A message from a runtime, or undefined when the text is not one. */
export function parseRuntimeMessage(text: unknown): RuntimeMessage | undefined {
  const m = parseJson(text);
  if (!m) return undefined;
  switch (m.type) {
    case 'ready':
      if (typeof m.sessionId !== 'string' || typeof m.model !== 'string') return undefined;
      return {
        type: 'ready',
        sessionId: m.sessionId,
        model: m.model,
        commands: Array.isArray(m.commands)
          ? m.commands.filter((c): c is string => typeof c === 'string')
          : [],
      };
    case 'reply': {
      if (typeof m.id !== 'string') return undefined;
      if (m.ok === true) return { type: 'reply', id: m.id, ok: true, data: m.data };
      const e = m.error;
      if (m.ok !== false || !isObject(e)) return undefined;
      return {
        type: 'reply',
        id: m.id,
        ok: false,
        error: {
          code: typeof e.code === 'string' ? e.code : 'COMMAND_FAILED',
          message: typeof e.message === 'string' ? e.message : 'the command failed',
        },
      };
    }
    case 'message':
      if (typeof m.name !== 'string' || !NAME.test(m.name)) return undefined;
      return { type: 'message', name: m.name, data: m.data };
    case 'closing':
      return isCloseReason(m.reason) ? { type: 'closing', reason: m.reason } : undefined;
    default:
      return undefined;
  }
}
