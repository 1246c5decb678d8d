import type { JobInfo } from '@latchkey/core';
import type { ClientContext } from './client-context.js';
import { LatchkeyError } from './errors.js';
import { checkJobId, checkJobRequest, type JobRequest } from './job-request.js';
import { RETRY_IDEMPOTENT, type RequestOptions } from './transport.js';
import { type WaitOptions, waitForJob } from './wait-for-job.js';

/** Batch jobs: submit now, fetch the result later. Works with any client, also through your proxy. */
export interface JobsApi {
  /**
   * Queues a job and answers at once with its `JobInfo` (state `queued`). An input
   * the model refuses is an `INVALID_REQUEST` here, before anything runs.
   *
   * @example
   * const job = await client.jobs.submit({ model: 'render', prompt: 'a red fox' });
   */
  submit(request: JobRequest, options?: RequestOptions): Promise<JobInfo>;
  /**
   * A job's state: `queued`, `running`, `succeeded` (with `result`) or `failed` (with `error`).
   *
   * @example
   * const { state } = await client.jobs.status(job.jobId);
   */
  status(jobId: string, options?: RequestOptions): Promise<JobInfo>;
  /**
   * A finished job's result, as a Blob of the model's content type. Rejects with
   * `JOB_NOT_FINISHED` while it runs and `JOB_FAILED` when it failed.
   *
   * @example
   * const png = await client.jobs.result(job.jobId);
   */
  result(jobId: string, options?: RequestOptions): Promise<Blob>;
  /**
   * Submits a job, polls until it ends (with backoff), and returns its result. A
   * failed job rejects with a LatchkeyError carrying the job's own error code and
   * message; no end within `timeoutMs` rejects with `TIMEOUT` (the job may still end:
   * poll `status` with its id).
   *
   * @example
   * const png = await client.jobs.submitAndWait(
   *   { model: 'render', prompt: 'a red fox' },
   *   { onStatusChange: (job) => console.log(job.state) },
   * );
   */
  submitAndWait(request: JobRequest, options?: WaitOptions): Promise<Blob>;
}

/** The platform gives a synchronous run 120 s; `process` waits a little longer by default. */
export const PROCESS_TIMEOUT_MS = 130_000;

/** @internal `client.process` and `client.jobs`. */
export function createJobs(ctx: ClientContext): {
  process(request: JobRequest, options?: RequestOptions): Promise<Blob>;
  jobs: JobsApi;
} {
  const { baseUrl, peer } = ctx;

  const submit = async (
    where: string,
    request: unknown,
    options?: RequestOptions,
  ): Promise<JobInfo> => {
    const { model, input } = checkJobRequest(where, request);
    const job = await ctx.call<unknown>(
      {
        method: 'POST',
        url: `${baseUrl}/v1/jobs/${model}`,
        body: input,
        // Not idempotent: each POST queues a job. 429 and 503 come before anything is queued.
        idempotent: false,
        retryOn: [429, 503],
        peer,
      },
      options,
    );
    return checkJobInfo(job, peer, 'POST /v1/jobs', ctx.docsBase);
  };

  const status = async (where: string, jobId: unknown, options?: RequestOptions) => {
    const id = checkJobId(where, jobId);
    const job = await ctx.call<unknown>(
      {
        method: 'GET',
        url: `${baseUrl}/v1/jobs/${id}`,
        idempotent: true,
        retryOn: RETRY_IDEMPOTENT,
        peer,
      },
      options,
    );
    return checkJobInfo(job, peer, 'GET /v1/jobs/{id}', ctx.docsBase);
  };

  const result = async (where: string, jobId: unknown, options?: RequestOptions) => {
    const id = checkJobId(where, jobId);
    return ctx.call<Blob>(
      {
        method: 'GET',
        url: `${baseUrl}/v1/jobs/${id}/result`,
        idempotent: true,
        retryOn: RETRY_IDEMPOTENT,
        peer,
        response: 'blob',
      },
      options,
    );
  };

  return {
    async process(request, options) {
      const { model, input } = checkJobRequest('process', request);
      return ctx.call<Blob>(
        {
          method: 'POST',
          url: `${baseUrl}/v1/generate/${model}`,
          body: input,
          idempotent: false,
          retryOn: [429, 503],
          peer,
          response: 'blob',
        },
        {
          ...options,
          timeoutMs: options?.timeoutMs ?? Math.max(ctx.timeoutMs, PROCESS_TIMEOUT_MS),
        },
      );
    },
    jobs: {
      submit: (request, options) => submit('jobs.submit', request, options),
      status: (jobId, options) => status('jobs.status', jobId, options),
      result: (jobId, options) => result('jobs.result', jobId, options),
      submitAndWait: (request, options) =>
        waitForJob(
          {
            submit: (signal) => submit('jobs.submitAndWait', request, { signal }),
            status: (id, signal) => status('jobs.submitAndWait', id, { signal }),
            result: (id, signal) => result('jobs.submitAndWait', id, { signal }),
          },
          options,
          ctx.docsBase,
        ),
    },
  };
}

function checkJobInfo(
  value: unknown,
  peer: string,
  what: string,
  docsBase: string | undefined,
): JobInfo {
  const v = value as Partial<JobInfo> | null;
  if (typeof v !== 'object' || v === null || typeof v.jobId !== 'string' || !v.state)
    throw new LatchkeyError(
      'INTERNAL_ERROR',
      `${peer} answered ${what} without a job. Check that the URL points at Latchkey.`,
      { docsBase },
    );
  return v as JobInfo;
}
