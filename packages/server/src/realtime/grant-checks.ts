import { grantRefusal, type ModelInfo } from '@latchkey/core';
import type { Caller } from '../services/caller.js';
import { type Failure, fail, ok, type Result } from '../services/result.js';

/**
 * Whether a runtime's announced model is `name` as `kind`, ready, in `version` (when one
 * is asked for). A runtime announcing a partner model without a version serves the
 * version the coordinator resolved; a built-in asked for with a version must be
 * announced with that version (built-ins announce none: `echo@1` is served nowhere).
 */
export function announces(
  m: ModelInfo,
  name: string,
  kind: ModelInfo['kind'],
  version?: string | undefined,
): boolean {
  return (
    m.name === name &&
    m.kind === kind &&
    (m.state ?? 'ready') === 'ready' &&
    (version === undefined ||
      m.version === version ||
      (m.version === undefined && m.name.includes('/')))
  );
}

/** MODEL_NOT_FOUND unless a live runtime serves `model` (in `version`) as `kind`, ready. */
export function modelRefusal(
  models: ModelInfo[],
  model: string,
  kind: ModelInfo['kind'],
  version?: string | undefined,
): Failure | undefined {
  if (models.some((m) => announces(m, model, kind, version))) return undefined;
  // Built-ins only: a partner model's name is for those its owner lets use it (GET /v1/models).
  const names = [
    ...new Set(
      models.filter((m) => m.kind === kind && !m.name.includes('/')).map((m) => `"${m.name}"`),
    ),
  ];
  const what = version === undefined ? `"${model}"` : `"${model}" version ${version}`;
  return fail(
    'MODEL_NOT_FOUND',
    `no ${kind} model ${what} is being served${names.length ? `; ${kind} models: ${names.join(', ')}` : ''}`,
  );
}

/** MODEL_NOT_ALLOWED / ORIGIN_NOT_ALLOWED for a token caller whose grant does not cover the request. */
export function callerGrantRefusal(
  caller: Caller,
  model: string,
  origin: string | null,
): Failure | undefined {
  if (caller.kind !== 'token') return undefined;
  const refusal = grantRefusal(caller.grant, model, origin);
  return refusal && fail(refusal.code, refusal.message);
}

/**
 * Whether a caller may see a session or job: same org, and for a token caller the
 * same token or the same end user (minting key + metadata). Otherwise NOT_FOUND.
 */
export function canSee(
  caller: Caller,
  row: { org_id: string; token_id: string | null; owner_ref: string | null },
): boolean {
  if (row.org_id !== caller.orgId) return false;
  if (caller.kind === 'key') return true;
  return row.token_id === caller.claims.jti || row.owner_ref === caller.ownerRef;
}

/** The row when the caller may see it (`canSee`); otherwise NOT_FOUND, as if it did not exist. */
export function visibleTo<
  R extends { org_id: string; token_id: string | null; owner_ref: string | null },
>(caller: Caller, row: R | undefined, what: string): Result<R> {
  return row && canSee(caller, row) ? ok(row) : fail('NOT_FOUND', `no ${what} for this caller`);
}
