// What `latchkey runtime --model` does once the module is loaded: asks the coordinator
// which version to serve (`POST /v1/runtimes/resolve`), and, registered `deploying`,
// pulls that version's weights into a cache before it reports the model `ready`.
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { errorDetail, type Logger, pullWeights, silentLogger } from '@latchkey/core/node';
import { z } from 'zod';
import { coordinatorClient } from './coordinator-client.js';
import type { Deployment } from './deployment.js';
import type { Model } from './model.js';
import { RegistrationError, type RuntimeAgent } from './runtime-agent.js';

const ResolvedModelSchema = z.object({
  name: z.string(),
  kind: z.enum(['realtime', 'batch']),
  description: z.string(),
  version: z.string(),
  weights: z
    .object({
      registry: z.string().nullable(),
      repository: z.string(),
      manifestDigest: z.string().regex(/^sha256:[a-f0-9]{64}$/),
      files: z.array(z.object({ path: z.string(), digest: z.string(), size: z.number() })),
    })
    .nullable(),
});
/** The coordinator's answer: the version to serve, and where its weights are. */
export type ResolvedModel = z.infer<typeof ResolvedModelSchema>;
export type ResolvedWeights = NonNullable<ResolvedModel['weights']>;

/** `~/.latchkey/cache/weights` (or under LATCHKEY_HOME). */
export const defaultWeightsCache = () =>
  join(process.env.LATCHKEY_HOME || join(homedir(), '.latchkey'), 'cache', 'weights');

/**
 * Which version of `model` this runtime's credential should serve (its default when no
 * `version` is given). A refusal throws a RegistrationError with the coordinator's code
 * (RUNTIME_MODEL_NOT_ALLOWED for another org's model, MODEL_VERSION_NOT_FOUND, …).
 *
 * @example
 * const r = await resolveModel({ serverUrl, credential }, { model: 'styler' });
 * // { name: 'modelco/styler', version: '1', weights: { repository, manifestDigest, files } }
 */
export async function resolveModel(
  options: { serverUrl: string; credential: string; fetch?: typeof fetch },
  input: { model: string; version?: string | undefined },
): Promise<ResolvedModel> {
  const answer = await coordinatorClient(options).post('v1/runtimes/resolve', {
    model: input.model,
    ...(input.version !== undefined ? { version: input.version } : {}),
  });
  if (answer.status !== 200)
    throw new RegistrationError(
      answer.error
        ? `${answer.error.code}: ${answer.error.message}`
        : `the coordinator answered HTTP ${answer.status} to resolve ${input.model}`,
      answer.error?.code,
      answer.status < 500,
    );
  const parsed = ResolvedModelSchema.safeParse(answer.body);
  if (!parsed.success)
    throw new RegistrationError(
      'the coordinator answered resolve with something unexpected',
      undefined,
      true,
    );
  return parsed.data;
}

/**
 * The weights' directory in `cacheRoot` (`<cacheRoot>/sha256-<hex>/`), pulled unless a
 * complete copy is there: every file's sha256 is checked as it arrives, and the
 * `<dir>.complete` marker is written last, so an interrupted pull is done again.
 */
export async function cachedWeights(
  weights: ResolvedWeights,
  options: { cacheRoot: string; credential: string; fetch?: typeof fetch },
): Promise<{ path: string; pulled: boolean }> {
  const dir = join(options.cacheRoot, weights.manifestDigest.replace(':', '-'));
  const marker = `${dir}.complete`;
  if (existsSync(marker) && existsSync(dir)) return { path: dir, pulled: false };
  if (weights.registry === null)
    throw new Error(
      'the server fronts no registry (LATCHKEY_REGISTRY), so weights cannot be pulled',
    );
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await pullWeights({
    registry: weights.registry,
    repository: weights.repository,
    reference: weights.manifestDigest,
    // The registry's token endpoint takes an org's runtime credential as the password: pull only.
    auth: { username: 'runtime', password: options.credential },
    outDir: dir,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  await writeFile(marker, `${weights.manifestDigest}\n`, { mode: 0o600 });
  return { path: dir, pulled: true };
}

/** A served model and the version the coordinator resolved for it. */
export interface Deploying {
  model: Model & { readonly deployment: Deployment };
  resolved: ResolvedModel;
}

/**
 * Pulls each model's weights and runs its `load`, then tells the coordinator it is
 * `ready` (or `failed`, with the reason). Resolves when every model has one of those states.
 */
export async function deployModels(
  agent: Pick<RuntimeAgent, 'announce'>,
  deploying: Deploying[],
  options: { cacheRoot: string; credential: string; log?: Logger; fetch?: typeof fetch },
): Promise<void> {
  const log = options.log ?? silentLogger;
  for (const { model, resolved } of deploying) {
    const d = model.deployment;
    try {
      if (resolved.weights) {
        const w = await cachedWeights(resolved.weights, options);
        d.weightsPath = w.path;
        log.info(w.pulled ? 'weights pulled' : 'weights found in the cache', {
          model: model.name,
          version: d.version,
          path: w.path,
        });
      }
      await model.load({ ...(d.weightsPath ? { weightsPath: d.weightsPath } : {}), log });
      d.state = 'ready';
    } catch (error) {
      d.state = 'failed';
      const e = error as { code?: unknown; message?: unknown };
      const message = typeof e?.message === 'string' ? e.message : String(error);
      d.stateMessage = (typeof e?.code === 'string' ? `${e.code}: ${message}` : message).slice(
        0,
        500,
      );
      log.error('model failed to deploy', {
        model: model.name,
        version: d.version,
        error: errorDetail(error),
      });
    }
    await agent.announce();
  }
}
