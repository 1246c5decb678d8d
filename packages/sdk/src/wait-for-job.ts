import type { JobInfo } from '@latchkey/core';
import { explain, LatchkeyError } from './errors.js';
import { checkFunction, checkNumber, checkOptionsObject, fail } from './options.js';
import { sleep } from './retry.js';

/** Options of `client.jobs.submitAndWait`. */
export interface WaitOptions {
  /** Called with the job when it is queued and whenever its state changes. */
  onStatusChange?: ((job: JobInfo) => void) | undefined;
  /** Stops waiting (the job itself goes on); the call rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** The longest wait in all, in milliseconds (default 600 000); then `TIMEOUT`. */
  timeoutMs?: number | undefined;
  /** The first wait between polls (default 500 ms); it grows by half each time, up to 5 s. */
  pollIntervalMs?: number | undefined;
}

export const DEFAULT_WAIT_MS = 600_000;
export const DEFAULT_POLL_MS = 500;
const MAX_POLL_MS = 5_000;
const WAIT_OPTIONS = ['onStatusChange', 'signal', 'timeoutMs', 'pollIntervalMs'] as const;

export interface JobCalls {
  submit(signal: AbortSignal): Promise<JobInfo>;
  status(jobId: string, signal: AbortSignal): Promise<JobInfo>;
  result(jobId: string, signal: AbortSignal): Promise<Blob>;
}

class Deadline extends Error {}

/** @internal submit, poll with backoff until the job ends, then fetch the result. */
export async function waitForJob(
  calls: JobCalls,
  options?: WaitOptions,
  docsBase?: string,
): Promise<Blob> {
  const where = 'jobs.submitAndWait';
  const o = checkOptionsObject(where, options, WAIT_OPTIONS) as WaitOptions;
  const onStatusChange =
    o.onStatusChange === undefined
      ? undefined
      : checkFunction<(job: JobInfo) => void>(where, 'onStatusChange', o.onStatusChange);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal))
    fail(where, 'signal must be an AbortSignal');
  const timeoutMs =
    o.timeoutMs === undefined
      ? DEFAULT_WAIT_MS
      : checkNumber(where, 'timeoutMs', o.timeoutMs, 1, 2_147_483_647, false);
  let interval =
    o.pollIntervalMs === undefined
      ? DEFAULT_POLL_MS
      : checkNumber(where, 'pollIntervalMs', o.pollIntervalMs, 50, 60_000, false);
  o.signal?.throwIfAborted();

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Deadline()), timeoutMs);
  const onAbort = () => controller.abort(o.signal?.reason);
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const signal = controller.signal;
  let jobId: string | undefined;
  try {
    let job = await calls.submit(signal);
    jobId = job.jobId;
    onStatusChange?.(job);
    while (job.state === 'queued' || job.state === 'running') {
      await sleep(interval, signal);
      interval = Math.min(Math.max(interval, MAX_POLL_MS), interval * 1.5);
      const next = await calls.status(job.jobId, signal);
      if (next.state !== job.state) onStatusChange?.(next);
      job = next;
    }
    if (job.state === 'failed') {
      const code = job.error?.code ?? 'JOB_FAILED';
      throw new LatchkeyError(
        code,
        explain(code, `job ${job.jobId} failed: ${job.error?.message ?? 'no reason given'}`),
        { docsBase },
      );
    }
    return await calls.result(job.jobId, signal);
  } catch (error) {
    if (signal.reason instanceof Deadline)
      throw new LatchkeyError(
        'TIMEOUT',
        explain(
          'TIMEOUT',
          jobId === undefined
            ? `the job was not accepted within ${timeoutMs} ms`
            : `job ${jobId} did not finish within ${timeoutMs} ms; it may still finish: poll client.jobs.status('${jobId}')`,
        ),
        { docsBase, cause: error },
      );
    throw error;
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
  }
}
