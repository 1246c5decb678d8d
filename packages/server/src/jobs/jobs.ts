import { ERROR_CODES, type ErrorCode, isErrorCode, type JobInfo, newId } from '@latchkey/core';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { iso, isoOrNull } from '../db/timestamps.js';
import { resolveModelRef } from '../models/resolve-model-ref.js';
import {
  announces,
  callerGrantRefusal,
  modelRefusal,
  visibleTo,
} from '../realtime/grant-checks.js';
import { parseModels } from '../realtime/runtime-credentials.js';
import type { RuntimeDirectory } from '../realtime/runtime-directory.js';
import type { JobRow } from '../realtime/schema.js';
import type { AuditWriter } from '../services/audit.js';
import type { Caller, RequestContext } from '../services/caller.js';
import type { Clock } from '../services/clock.js';
import { fail, ok, type Result } from '../services/result.js';
import type { JobOutcome, JobQueue } from './job-queue.js';
import { QUEUE_WAIT_MS } from './queue-store.js';

/** How long `POST /v1/generate/{model}` waits for its result. */
export const GENERATE_TIMEOUT_MS = 120_000;
/** Finished jobs (and their results) are deleted after this long. */
export const JOB_RETENTION_MS = 24 * 3600_000;

export function toJobInfo(r: JobRow): JobInfo {
  return {
    jobId: r.id,
    model: r.model,
    state: r.state,
    createdAt: iso(r.created_at),
    startedAt: isoOrNull(r.started_at),
    finishedAt: isoOrNull(r.finished_at),
    error:
      r.state === 'failed'
        ? { code: r.error_code ?? 'INTERNAL_ERROR', message: r.error_message ?? 'the job failed' }
        : null,
    result:
      r.state === 'succeeded'
        ? { contentType: r.result_type ?? 'application/octet-stream', bytes: r.result_bytes ?? 0 }
        : null,
  };
}

export interface JobService {
  submit(
    caller: Caller,
    model: string,
    input: unknown,
    req: RequestContext,
  ): Promise<Result<JobInfo>>;
  /** Submits and waits: the result, or why there is none. */
  generate(
    caller: Caller,
    model: string,
    input: unknown,
    req: RequestContext,
  ): Promise<Result<{ jobId: string; contentType: string; body: Uint8Array }>>;
  get(caller: Caller, id: string): Promise<Result<JobInfo>>;
  result(caller: Caller, id: string): Promise<Result<{ contentType: string; body: Uint8Array }>>;
  /** Frees the slots of running jobs whose lease lapsed, fails jobs queued too long, deletes old ones. */
  sweep(): Promise<void>;
}

export function createJobService(deps: {
  db: Kysely<Database>;
  clock: Clock;
  audit: AuditWriter;
  directory: RuntimeDirectory;
  queue: JobQueue;
}): JobService {
  const load = async (caller: Caller, id: string): Promise<Result<JobRow>> =>
    visibleTo(
      caller,
      await deps.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst(),
      `job "${id.slice(0, 64)}"`,
    );

  const submit: JobService['submit'] = async (caller, asked, input, req) => {
    // A partner model: the caller's org may use it, and `model` becomes `name@version`.
    const resolved = await resolveModelRef(deps.db, asked, caller.orgId);
    if (!resolved.ok) return resolved;
    const { name, version } = resolved.value;
    const model = resolved.value.model ? resolved.value.ref : asked;
    const refusal =
      modelRefusal(await deps.directory.models(), name, 'batch', version) ??
      callerGrantRefusal(caller, model, req.origin);
    if (refusal) return refusal;
    const runtime = (await deps.directory.live()).find((r) =>
      parseModels(r.models).some((m) => announces(m, name, 'batch', version)),
    );
    const host = runtime ? await deps.directory.host(runtime.id) : undefined;
    if (!host) return fail('UNAVAILABLE', `no runtime serving "${model}" can be reached; retry`);
    const valid = await host.validateJob(model, input);
    if (!valid.ok) return valid;

    const now = deps.clock.now();
    const row: JobRow = {
      id: newId('job', now),
      org_id: caller.orgId,
      key_id: caller.keyId,
      token_id: caller.kind === 'token' ? caller.claims.jti : null,
      owner_ref: caller.kind === 'token' ? caller.ownerRef : null,
      model,
      state: 'queued',
      input,
      runtime_id: null,
      result: null,
      result_type: null,
      result_bytes: null,
      error_code: null,
      error_message: null,
      created_at: new Date(now),
      started_at: null,
      finished_at: null,
      lease_until: new Date(now + QUEUE_WAIT_MS),
    };
    // The row and its queue entry commit together: no job is queued without its record,
    // and none is recorded as queued without being in the queue.
    await deps.queue.prepare(model);
    await deps.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('jobs')
        .values({ ...row, input: JSON.stringify(input) })
        .execute();
      await deps.queue.enqueue(trx, { id: row.id, model });
    });
    deps.queue.wake(model);
    await deps.audit.write({
      orgId: caller.orgId,
      action: 'job.submitted',
      actor: caller.keyId,
      target: row.id,
      outcome: 'ok',
      ip: req.ip,
      userAgent: req.userAgent,
      requestId: req.requestId,
      data: { model, tokenId: caller.kind === 'token' ? caller.claims.jti : null },
    });
    return ok(toJobInfo(row));
  };

  return {
    submit,
    async generate(caller, model, input, req) {
      const job = await submit(caller, model, input, req);
      if (!job.ok) return job;
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race<JobOutcome>([
        deps.queue.wait(job.value.jobId),
        new Promise((resolve) => {
          timer = setTimeout(
            () =>
              resolve({
                ok: false,
                code: 'UNAVAILABLE',
                message: `no result within ${GENERATE_TIMEOUT_MS / 1000} s; poll GET /v1/jobs/${job.value.jobId}`,
              }),
            GENERATE_TIMEOUT_MS,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      if (!outcome.ok) return fail(asCode(outcome.code), outcome.message);
      return ok({ jobId: job.value.jobId, contentType: outcome.contentType, body: outcome.body });
    },
    async get(caller, id) {
      const row = await load(caller, id);
      return row.ok ? ok(toJobInfo(row.value)) : row;
    },
    async result(caller, id) {
      const row = await load(caller, id);
      if (!row.ok) return row;
      const r = row.value;
      if (r.state === 'failed')
        return fail(
          'JOB_FAILED',
          `job ${id} failed: ${r.error_code ?? 'INTERNAL_ERROR'}: ${r.error_message ?? 'the job failed'}`,
        );
      if (r.state !== 'succeeded' || r.result === null)
        return fail('JOB_NOT_FINISHED', `job ${id} is ${r.state}; poll GET /v1/jobs/${id}`);
      return ok({ contentType: r.result_type ?? 'application/octet-stream', body: r.result });
    },
    async sweep() {
      const now = new Date(deps.clock.now());
      // A running row whose lease lapsed was held by a process that died: it no longer
      // holds its runtime's slot, and waits for pg-boss to put its job back.
      await deps.db
        .updateTable('jobs')
        .set({
          state: 'queued',
          runtime_id: null,
          lease_until: new Date(now.getTime() + QUEUE_WAIT_MS),
        })
        .where('state', '=', 'running')
        .where('lease_until', '<', now)
        .execute();
      await deps.db
        .updateTable('jobs')
        .set({
          state: 'failed',
          error_code: 'UNAVAILABLE',
          error_message: `no runtime took the job within ${QUEUE_WAIT_MS / 3600_000} h; submit it again`,
          finished_at: now,
        })
        .where('state', '=', 'queued')
        .where('lease_until', '<', now)
        .execute();
      await deps.db
        .deleteFrom('jobs')
        .where('finished_at', '<', new Date(now.getTime() - JOB_RETENTION_MS))
        .execute();
    },
  };
}

/** A failure passes through with its own code, unless the model itself broke: JOB_FAILED. */
const asCode = (code: string): ErrorCode =>
  isErrorCode(code) && ERROR_CODES[code].status < 500
    ? code
    : code === 'UNAVAILABLE' || code === 'MODEL_UNAVAILABLE'
      ? code
      : 'JOB_FAILED';
