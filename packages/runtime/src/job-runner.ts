import { formatIssues } from '@latchkey/core';
// Batch jobs on a runtime: input validation, the token check, and the concurrency cap.
// A job over the cap is refused (MODEL_UNAVAILABLE), not queued here: the coordinator
// keeps the queue and may place the job on another runtime or retry.
import {
  errorDetail,
  type HostResult,
  type JobOutput,
  type Logger,
  type RunJobRequest,
  RunJobRequestSchema,
  type RuntimeCapacity,
  type TokenVerifier,
} from '@latchkey/core/node';
import { grantedName, servedModel } from './deployment.js';
import { checkGrant, verifyCaller } from './grant-check.js';
import type { BatchModel, Model } from './model.js';

export interface JobRunnerOptions {
  models: ReadonlyMap<string, Model>;
  verify: TokenVerifier;
  capacity: RuntimeCapacity;
  log: Logger;
}

export class JobRunner {
  private count = 0;
  private readonly abort = new AbortController();

  constructor(private readonly options: JobRunnerOptions) {}

  get running(): number {
    return this.count;
  }

  /** The batch model named `name`, and `input` parsed by its schema. */
  validate(name: unknown, input: unknown): HostResult<void> {
    const checked = this.parse(name, input);
    return checked.ok ? { ok: true, value: undefined } : checked;
  }

  async run(request: RunJobRequest): Promise<HostResult<JobOutput>> {
    const req = RunJobRequestSchema.safeParse(request);
    if (!req.success)
      return { ok: false, code: 'INVALID_REQUEST', message: formatIssues(req.error.issues) };
    const { jobId, model: name, token } = req.data;
    const caller = await verifyCaller(this.options.verify, token);
    if (!caller.ok) return caller;
    const found = this.find(name);
    if (!found.ok) return found;
    const granted = checkGrant(caller.value.grant, grantedName(found.value), undefined);
    if (!granted.ok) return granted;
    const checked = this.parse(name, req.data.input);
    if (!checked.ok) return checked;
    if (this.abort.signal.aborted)
      return { ok: false, code: 'MODEL_UNAVAILABLE', message: 'this runtime is shutting down' };
    if (this.count >= this.options.capacity.jobs)
      return {
        ok: false,
        code: 'MODEL_UNAVAILABLE',
        message: 'this runtime is running all the jobs it can; retry shortly',
      };
    const [model, input] = checked.value;
    this.count++;
    const started = performance.now();
    try {
      const output = await model.run(input, {
        jobId,
        grant: caller.value.grant,
        signal: this.abort.signal,
        log: this.options.log,
        ...(model.deployment?.weightsPath ? { weightsPath: model.deployment.weightsPath } : {}),
      });
      this.options.log.info('job finished', {
        jobId,
        model: name,
        bytes: output.body.byteLength,
        ms: Math.round(performance.now() - started),
      });
      return { ok: true, value: output };
    } catch (error) {
      this.options.log.error('job failed', { jobId, model: name, error: errorDetail(error) });
      return {
        ok: false,
        code: 'JOB_FAILED',
        message: `the model "${name}" failed to run the job`,
      };
    } finally {
      this.count--;
    }
  }

  /** Refuses new jobs and aborts running ones' signals. */
  close(): void {
    this.abort.abort();
  }

  private find(name: unknown): HostResult<BatchModel> {
    return servedModel(this.options.models, name, 'batch');
  }

  private parse(name: unknown, input: unknown): HostResult<[BatchModel, unknown]> {
    const found = this.find(name);
    if (!found.ok) return found;
    const model = found.value;
    const parsed = model.input.safeParse(input);
    if (!parsed.success)
      return { ok: false, code: 'INVALID_REQUEST', message: formatIssues(parsed.error.issues) };
    return { ok: true, value: [model, parsed.data] };
  }
}
