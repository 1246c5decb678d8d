// The one set of grant rules: what a grant may say (checked where one is asked for: the
// server's token route, the SDK's token helpers), how a token's grant is read back (the
// verifier), and what it allows (the coordinator and every runtime). Browser-safe.
import {
  DEFAULT_GRANT,
  MAX_METADATA_BYTES,
  MAX_TOKEN_SECONDS,
  type SessionGrant,
} from './claims.js';

/**
 * A model name: a built-in's bare name (`echo`), or a partner's `<org-slug>/<name>`
 * (`modelco/styler`). Lowercase letters, digits, `.`, `_`, `-`; a partner's part after
 * the slash follows the container registry's path rules too (its weights live at
 * `<org-slug>/weights/<name>`). At most 64 after the slash.
 */
export const MODEL_NAME =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*|[a-z0-9][a-z0-9._-]{0,63})$/;
export const MODEL_NAME_RULE =
  'a model name is lowercase letters, digits, ".", "_" or "-" (at most 64), with a partner\'s org slug before a "/" (modelco/styler)';

/** A version of a partner model: `1`, `2.0.1`, `2026-12-01` (letters, digits, `.`, `_`, `-`; at most 64). */
export const MODEL_VERSION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const MODEL_VERSION_RULE =
  'a version is letters, digits, ".", "_" or "-", starting with a letter or digit (at most 64)';

/**
 * What tokens, sessions and jobs may name: a model, or one version of it (`name@version`).
 * A bare name means the model's default version.
 */
export const MODEL_REF_RULE = `${MODEL_NAME_RULE}, optionally followed by @version`;

export const isModelName = (value: unknown): value is string =>
  typeof value === 'string' && value.length <= 113 && MODEL_NAME.test(value);

/** `modelco/styler@2` → `{ name: 'modelco/styler', version: '2' }`; undefined when malformed. */
export function parseModelRef(value: unknown): { name: string; version?: string } | undefined {
  if (typeof value !== 'string' || value.length > 180) return undefined;
  const at = value.indexOf('@');
  const name = at < 0 ? value : value.slice(0, at);
  if (!isModelName(name)) return undefined;
  if (at < 0) return { name };
  const version = value.slice(at + 1);
  return MODEL_VERSION.test(version) ? { name, version } : undefined;
}

export const isModelRef = (value: unknown): value is string => parseModelRef(value) !== undefined;

/** The org slug a partner model's name starts with (`modelco/styler` → `modelco`); undefined for a built-in. */
export const modelOrgSlug = (name: string): string | undefined => {
  const slash = name.indexOf('/');
  return slash < 0 ? undefined : name.slice(0, slash);
};

/** `scheme://host[:port]`, http or https, nothing after. */
export function isOrigin(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const u = new URL(value);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === value;
  } catch {
    return false;
  }
}
export const ORIGIN_RULE =
  'an origin is scheme://host[:port] with no path, e.g. https://app.example.com';

/** Bounds of what a grant may ask for. */
export const GRANT_LIMITS = {
  models: 64,
  origins: 32,
  maxSessions: 1000,
  metadataKey: 64,
} as const;

/** What a caller may ask of a token; the platform fills in the rest from `DEFAULT_GRANT`. */
export interface GrantRequest {
  /** Lifetime in seconds, 1 to 21600 (6 h, the default). */
  expiresIn?: number;
  /** Model names the holder may open; `["*"]` (the default) means any. */
  models?: string[];
  /** Concurrent realtime sessions allowed under this token (default 5). */
  maxSessions?: number;
  /** Browser origins allowed to use the token, e.g. `["https://app.example.com"]`; empty means any. */
  origins?: string[];
  /** Longest a single session may last, in seconds (default 3600). */
  maxSessionSeconds?: number;
  /** Your own data carried in the token, such as the end user's id; at most 1 KiB as JSON. */
  metadata?: Record<string, unknown>;
}

export const GRANT_FIELDS = [
  'expiresIn',
  'models',
  'maxSessions',
  'origins',
  'maxSessionSeconds',
  'metadata',
] as const;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string');
const isWhole = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** Bytes of the metadata as JSON, or `undefined` when it is not JSON. */
export function metadataBytes(metadata: unknown): number | undefined {
  try {
    const json = JSON.stringify(metadata);
    return json === undefined ? undefined : new TextEncoder().encode(json).byteLength;
  } catch {
    return undefined;
  }
}

/**
 * The first thing wrong with a grant request, naming the field; `undefined` when it
 * is good. `shape` checks fields, types, numeric bounds and the metadata's size only
 * (what a client checks before sending; the platform answers the rest as
 * INVALID_REQUEST naming the field); `full` also checks model names, origins and list
 * lengths, as the platform does.
 */
export function grantRequestProblem(
  request: unknown,
  level: 'shape' | 'full' = 'full',
): { field: string; message: string } | undefined {
  if (request === undefined) return undefined;
  if (!isPlainObject(request)) return { field: 'grant', message: 'the grant must be an object' };
  for (const name of Object.keys(request))
    if (!(GRANT_FIELDS as readonly string[]).includes(name))
      return {
        field: name,
        message: `unknown grant field "${name}"; the fields are ${GRANT_FIELDS.join(', ')}`,
      };
  const r = request as Record<string, unknown>;
  for (const name of ['expiresIn', 'maxSessionSeconds'] as const)
    if (r[name] !== undefined && !isWhole(r[name], 1, MAX_TOKEN_SECONDS))
      return {
        field: name,
        message: `${name} must be a whole number of seconds from 1 to ${MAX_TOKEN_SECONDS}`,
      };
  if (r.maxSessions !== undefined && !isWhole(r.maxSessions, 1, GRANT_LIMITS.maxSessions))
    return {
      field: 'maxSessions',
      message: `maxSessions must be a whole number from 1 to ${GRANT_LIMITS.maxSessions}`,
    };
  for (const name of ['models', 'origins'] as const) {
    const list = r[name];
    if (list !== undefined && !isStrArray(list))
      return { field: name, message: `${name} must be an array of strings` };
  }
  const models = r.models as string[] | undefined;
  const origins = r.origins as string[] | undefined;
  if (level === 'full') {
    if (models !== undefined && (models.length < 1 || models.length > GRANT_LIMITS.models))
      return {
        field: 'models',
        message: `models must list 1 to ${GRANT_LIMITS.models} model names, or "*"`,
      };
    const badModel = models?.findIndex((m) => m !== '*' && !isModelRef(m)) ?? -1;
    if (badModel >= 0) return { field: `models.${badModel}`, message: MODEL_REF_RULE };
    if (origins !== undefined && origins.length > GRANT_LIMITS.origins)
      return { field: 'origins', message: `origins must list at most ${GRANT_LIMITS.origins}` };
    const badOrigin = origins?.findIndex((o) => !isOrigin(o)) ?? -1;
    if (badOrigin >= 0) return { field: `origins.${badOrigin}`, message: ORIGIN_RULE };
  }
  if (r.metadata !== undefined) {
    if (!isPlainObject(r.metadata))
      return { field: 'metadata', message: 'metadata must be a plain object' };
    const long = Object.keys(r.metadata).find((k) => k.length > GRANT_LIMITS.metadataKey);
    if (level === 'full' && long !== undefined)
      return {
        field: 'metadata',
        message: `metadata keys are at most ${GRANT_LIMITS.metadataKey} characters`,
      };
    const bytes = metadataBytes(r.metadata);
    if (bytes === undefined)
      return { field: 'metadata', message: 'metadata must be serialisable as JSON' };
    if (bytes > MAX_METADATA_BYTES)
      return {
        field: 'metadata',
        message: `metadata must be at most ${MAX_METADATA_BYTES} bytes as JSON`,
      };
  }
  return undefined;
}

/** The grant a token carries for a request, with the platform's defaults filled in. */
export function grantFor(request: GrantRequest): SessionGrant {
  return {
    models: request.models ?? DEFAULT_GRANT.models,
    maxSessions: request.maxSessions ?? DEFAULT_GRANT.maxSessions,
    origins: request.origins ?? DEFAULT_GRANT.origins,
    maxSessionSeconds: request.maxSessionSeconds ?? DEFAULT_GRANT.maxSessionSeconds,
    metadata: request.metadata ?? {},
  };
}

/** A grant read back from a verified token's claims; `undefined` when malformed. */
export function readGrant(value: unknown): SessionGrant | undefined {
  if (!isPlainObject(value)) return undefined;
  const { models, origins, maxSessions, maxSessionSeconds, metadata } = value;
  if (!isStrArray(models) || !isStrArray(origins)) return undefined;
  if (!Number.isSafeInteger(maxSessions) || !Number.isSafeInteger(maxSessionSeconds))
    return undefined;
  if (!isPlainObject(metadata)) return undefined;
  return {
    models,
    origins,
    maxSessions: maxSessions as number,
    maxSessionSeconds: maxSessionSeconds as number,
    metadata,
  };
}

export type GrantRefusal = {
  code: 'MODEL_NOT_ALLOWED' | 'ORIGIN_NOT_ALLOWED';
  message: string;
};

/**
 * Whether a grant allows `model` from `origin`. When the grant lists origins a
 * request without one (`null`) is refused; pass `undefined` (jobs, servers) to skip
 * the origin check.
 */
export function grantRefusal(
  grant: Pick<SessionGrant, 'models' | 'origins'>,
  model: string,
  origin: string | null | undefined,
): GrantRefusal | undefined {
  const { models, origins } = grant;
  // A grant naming `x` allows every version of x (`x@2`); one naming `x@2` only that one.
  const base = model.split('@')[0] as string;
  if (!models.includes('*') && !models.includes(model) && !models.includes(base))
    return {
      code: 'MODEL_NOT_ALLOWED',
      message: `this session token does not allow model "${model}" (it allows ${models.map((m) => `"${m}"`).join(', ')})`,
    };
  if (origin === undefined || origins.length === 0 || (origin !== null && origins.includes(origin)))
    return undefined;
  return {
    code: 'ORIGIN_NOT_ALLOWED',
    message:
      origin === null
        ? 'this session token is limited to certain origins, and the request sent no Origin'
        : `this session token does not allow origin ${origin.slice(0, 200)}`,
  };
}
