// A partner model as a runtime serves it (`latchkey runtime --model`): under its full
// name (`<org-slug>/<name>`), at one version, with a state the coordinator is told
// (`deploying` while its weights are pulled, `ready`, `failed`) and its weights directory.
import { type ModelInfo, parseModelRef } from '@latchkey/core';
import type { HostResult } from '@latchkey/core/node';
import type { Model } from './model.js';

export interface Deployment {
  readonly version: string;
  state: 'deploying' | 'ready' | 'failed';
  /** Why it failed (at most 500 characters reach the coordinator). */
  stateMessage?: string;
  /** The pulled weights' directory; the model sees it as `ctx.weightsPath`. */
  weightsPath?: string;
}

/**
 * `model` served as `name` at `version`, `deploying` until its deployment says otherwise.
 *
 * @example
 * const served = deployModel(styler, { name: 'modelco/styler', version: '2' });
 * served.deployment.state = 'ready';
 */
export function deployModel<M extends Model>(
  model: M,
  at: { name: string; version: string },
): M & { readonly deployment: Deployment } {
  const deployment: Deployment = { version: at.version, state: 'deploying' };
  return Object.freeze({
    ...model,
    name: at.name,
    info: { ...model.info, name: at.name },
    deployment,
  });
}

/** What the model announces: its info, with the version and state of a deployed one. */
export function announcedInfo(model: Model): ModelInfo {
  const info = structuredClone(model.info);
  const d = model.deployment;
  if (!d) return info;
  return {
    ...info,
    version: d.version,
    state: d.state,
    ...(d.stateMessage !== undefined ? { stateMessage: d.stateMessage.slice(0, 500) } : {}),
  };
}

/** The name a caller's grant must allow: `name@version` for a deployed model. */
export const grantedName = (model: Model): string =>
  model.deployment ? `${model.name}@${model.deployment.version}` : model.name;

/**
 * The `kind` model that `ref` (`name` or `name@version`) names here, when it takes work:
 * MODEL_NOT_FOUND for another name, kind or version, MODEL_UNAVAILABLE while it deploys.
 */
export function servedModel<K extends Model['kind']>(
  models: ReadonlyMap<string, Model>,
  ref: unknown,
  kind: K,
): HostResult<Extract<Model, { kind: K }>> {
  const parsed = parseModelRef(ref);
  const model = parsed ? models.get(parsed.name) : undefined;
  const shown = JSON.stringify(String(ref).slice(0, 120));
  if (
    !parsed ||
    model?.kind !== kind ||
    (parsed.version !== undefined && parsed.version !== model.deployment?.version)
  )
    return {
      ok: false,
      code: 'MODEL_NOT_FOUND',
      message: `this runtime has no ${kind} model ${shown}`,
    };
  if (model.deployment && model.deployment.state !== 'ready')
    return {
      ok: false,
      code: 'MODEL_UNAVAILABLE',
      message: `${shown} is ${model.deployment.state} on this runtime`,
    };
  return { ok: true, value: model as Extract<Model, { kind: K }> };
}
