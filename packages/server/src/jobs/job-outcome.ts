import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { JobRow } from '../realtime/schema.js';
import type { AuditWriter } from '../services/audit.js';
import type { Clock } from '../services/clock.js';
import { mintToken } from '../services/mint-token.js';
import type { SigningKeys } from '../services/signing-keys.js';

/** Results larger than this fail the job rather than fill the database. */
export const MAX_RESULT_BYTES = 8 * 1024 * 1024;
/** The token a runtime checks for a job is minted when the job starts, for that model only. */
const JOB_TOKEN_SECONDS = 600;

export type JobOutcome =
  | { ok: true; contentType: string; body: Uint8Array }
  | { ok: false; code: string; message: string };

/** A job's outcome as the `jobs` table records it, once it has finished. */
export function outcomeOf(
  r: Pick<JobRow, 'state' | 'result' | 'result_type' | 'error_code' | 'error_message'>,
): JobOutcome | undefined {
  if (r.state === 'succeeded' && r.result)
    return {
      ok: true,
      contentType: r.result_type ?? 'application/octet-stream',
      body: r.result,
    };
  if (r.state === 'failed')
    return {
      ok: false,
      code: r.error_code ?? 'INTERNAL_ERROR',
      message: r.error_message ?? 'the job failed',
    };
  return undefined;
}

/**
 * Writes a job's outcome to its row (only if it is still queued or running: the first
 * outcome wins) and audits it. Returns the outcome written, or undefined if another
 * process or the sweep had already finished the job.
 */
export async function recordOutcome(
  deps: {
    db: Kysely<Database>;
    clock: Clock;
    audit: AuditWriter;
    log: { warn(m: string, d?: object): void };
  },
  jobId: string,
  outcome: JobOutcome,
): Promise<JobOutcome | undefined> {
  const now = new Date(deps.clock.now());
  const final: JobOutcome =
    outcome.ok && outcome.body.byteLength > MAX_RESULT_BYTES
      ? {
          ok: false,
          code: 'COMMAND_FAILED',
          message: `the result is over ${MAX_RESULT_BYTES} bytes`,
        }
      : outcome;
  const row = await deps.db
    .updateTable('jobs')
    .set(
      final.ok
        ? {
            state: 'succeeded',
            result: final.body,
            result_type: final.contentType,
            result_bytes: final.body.byteLength,
            finished_at: now,
          }
        : {
            state: 'failed',
            error_code: final.code,
            error_message: final.message.slice(0, 500),
            finished_at: now,
          },
    )
    .where('id', '=', jobId)
    .where('state', 'in', ['queued', 'running'])
    .returning(['org_id', 'key_id', 'model'])
    .executeTakeFirst();
  if (!row) return undefined;
  await deps.audit
    .write({
      orgId: row.org_id,
      action: 'job.finished',
      actor: row.key_id,
      target: jobId,
      outcome: final.ok ? 'ok' : final.code,
      data: final.ok
        ? { model: row.model, bytes: final.body.byteLength, contentType: final.contentType }
        : { model: row.model, message: final.message.slice(0, 200) },
    })
    .catch((error) => deps.log.warn('audit write failed', { error: String(error) }));
  return final;
}

/**
 * The token the runtime verifies for a job, minted as the job starts (no token is stored
 * with a queued job): for the key that submitted it, this model only. A key revoked or
 * expired while its job waited does not get its job run.
 */
export async function jobToken(
  deps: {
    db: Kysely<Database>;
    clock: Clock;
    signingKeys: SigningKeys;
    issuer: string;
    audience: string;
  },
  job: Pick<JobRow, 'key_id' | 'model'>,
): Promise<{ ok: true; token: string } | { ok: false; code: string; message: string }> {
  const key = await deps.db
    .selectFrom('api_keys')
    .select(['id', 'org_id', 'kind', 'expires_at', 'revoked_at'])
    .where('id', '=', job.key_id)
    .executeTakeFirst();
  if (!key || key.revoked_at !== null)
    return {
      ok: false,
      code: 'API_KEY_REVOKED',
      message: 'the key was revoked before the job ran',
    };
  const expiresAt = key.expires_at === null ? null : new Date(key.expires_at).getTime();
  if (expiresAt !== null && expiresAt <= deps.clock.now())
    return { ok: false, code: 'API_KEY_EXPIRED', message: 'the key expired before the job ran' };
  const minted = mintToken(
    deps,
    { id: key.id, orgId: key.org_id, kind: key.kind, display: '', expiresAt },
    { expiresIn: JOB_TOKEN_SECONDS, models: [job.model], maxSessions: 1 },
  );
  return { ok: true, token: minted.token };
}
