import { isId, isModelRef, MODEL_REF_RULE } from '@latchkey/core';
import { fail } from './options.js';

/**
 * A batch request: the model's name, and the model's input as the other fields.
 *
 * @example
 * const request: JobRequest = { model: 'render', prompt: 'a lighthouse at dusk', width: 512 };
 */
export interface JobRequest {
  /** The model to run, e.g. `render`. */
  model: string;
  /** The model's input (for `render`: `prompt`, `width`, `height`, `seed`). */
  [input: string]: unknown;
}

/** The largest request body the platform reads, in bytes. */
export const MAX_INPUT_BYTES = 16 * 1024;

/** Checks a model name (a TypeError naming `label` otherwise) and returns it. */
export function checkModel(where: string, label: string, value: unknown): string {
  if (!isModelRef(value))
    fail(
      where,
      `${label} must be a model name such as "echo" or "render" (${MODEL_REF_RULE}), got ${describe(value)}`,
    );
  return value;
}

/** Splits `{ model, ...input }`, checking that the input is a JSON object the platform will read. */
export function checkJobRequest(
  where: string,
  request: unknown,
): { model: string; input: Record<string, unknown> } {
  if (typeof request !== 'object' || request === null || Array.isArray(request))
    fail(where, 'pass the request as an object: { model, ...input }');
  const { model, ...input } = request as Record<string, unknown>;
  if (model === undefined) fail(where, 'model is required, e.g. { model: "render", prompt: "…" }');
  checkModel(where, 'model', model);
  let json: string;
  try {
    json = JSON.stringify(input);
  } catch (cause) {
    fail(where, `the input must be serialisable as JSON (${(cause as Error).message})`);
  }
  const bytes = new TextEncoder().encode(json).byteLength;
  if (bytes > MAX_INPUT_BYTES)
    fail(
      where,
      `the input is ${bytes} bytes as JSON; the platform reads at most ${MAX_INPUT_BYTES}`,
    );
  return { model: model as string, input };
}

/** Checks a job id (`job_…`) before it goes into a URL. */
export function checkJobId(where: string, jobId: unknown): string {
  if (!isId('job', jobId))
    fail(
      where,
      `jobId must be a job id such as "job_0QbX3l2m7Yq9TzR8xW1cVb", got ${describe(jobId)}`,
    );
  return jobId;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 80));
  return value === null ? 'null' : typeof value;
}
