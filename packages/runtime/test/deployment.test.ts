// A partner model's version as the runtime serves it (deployModel): announced with its
// version and state, no work until ready, a grant must allow name@version, the model
// sees its weights directory; and the weights cache (cachedWeights) re-used once complete.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpenSessionRequest } from '@latchkey/core/node';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { deployModel } from '../src/deployment.js';
import { defineBatchModel, defineRealtimeModel, type JobContext } from '../src/model.js';
import { cachedWeights, deployModels } from '../src/partner-deploy.js';
import { createRuntime, type Runtime } from '../src/runtime.js';
import { token, verifyToken } from './helpers.js';

const styler = defineRealtimeModel({
  name: 'styler',
  description: 'd',
  tracks: { input: ['video'], output: ['video'] },
  commands: {},
});
let seen: JobContext | undefined;
const upscale = defineBatchModel({
  name: 'modelco/upscale',
  description: 'd',
  input: z.object({}),
  resultType: 'text/plain',
  run: (_input, ctx) => {
    seen = ctx;
    return new TextEncoder().encode('done');
  },
});

let runtime: Runtime;
afterEach(() => runtime?.close());

const open = async (r: Runtime, over: Partial<OpenSessionRequest>) => {
  const out = await r.openSession({
    sessionId: `ses_${Math.random().toString(36).slice(2)}`,
    model: 'modelco/styler',
    token: token(),
    origin: null,
    expiresAt: Date.now() + 60_000,
    ...over,
  });
  return out.ok ? 'ok' : out.code;
};

describe('a deployed model', () => {
  it('is announced under its full name with its version and state', () => {
    const served = deployModel(styler, { name: 'modelco/styler', version: '2' });
    runtime = createRuntime({ verifyToken, models: [served] });
    expect(runtime.models()[0]).toMatchObject({
      name: 'modelco/styler',
      version: '2',
      state: 'deploying',
    });
    served.deployment.state = 'failed';
    served.deployment.stateMessage = 'x'.repeat(600);
    const failed = runtime.models()[0];
    expect(failed?.state).toBe('failed');
    expect(failed?.stateMessage).toHaveLength(500);
  });

  it('takes no session until it is ready: MODEL_UNAVAILABLE', async () => {
    const served = deployModel(styler, { name: 'modelco/styler', version: '2' });
    runtime = createRuntime({ verifyToken, models: [served] });
    expect(await open(runtime, {})).toBe('MODEL_UNAVAILABLE');
    served.deployment.state = 'ready';
    expect(await open(runtime, {})).toBe('ok');
  });

  it('admits a grant naming the model or this version, and refuses one naming another version', async () => {
    const served = deployModel(styler, { name: 'modelco/styler', version: '2' });
    served.deployment.state = 'ready';
    runtime = createRuntime({ verifyToken, models: [served] });
    const grant = (models: string[]) => token({ models });
    expect(await open(runtime, { token: grant(['modelco/styler@2']) })).toBe('ok');
    expect(await open(runtime, { token: grant(['modelco/styler']) })).toBe('ok');
    expect(await open(runtime, { token: grant(['modelco/styler@3']) })).toBe('MODEL_NOT_ALLOWED');
    // The coordinator may name the version: this one, or none; another is not here.
    expect(await open(runtime, { model: 'modelco/styler@2' })).toBe('ok');
    expect(await open(runtime, { model: 'modelco/styler@3' })).toBe('MODEL_NOT_FOUND');
  });

  it('hands a batch job its weights directory, and checks the version in the grant', async () => {
    const served = deployModel(upscale, { name: 'modelco/upscale', version: '1' });
    served.deployment.state = 'ready';
    served.deployment.weightsPath = '/var/cache/w/sha256-abc';
    runtime = createRuntime({ verifyToken, models: [served] });
    const run = (models: string[]) =>
      runtime.runJob({
        jobId: 'job_1',
        model: 'modelco/upscale',
        token: token({ models }),
        input: {},
      });
    const refused = await run(['modelco/upscale@2']);
    expect(refused.ok ? 'ok' : refused.code).toBe('MODEL_NOT_ALLOWED');
    const done = await run(['modelco/upscale@1']);
    expect(done.ok).toBe(true);
    expect(seen?.weightsPath).toBe('/var/cache/w/sha256-abc');
  });
});

describe('the weights cache', () => {
  const root = mkdtempSync(join(tmpdir(), 'lk-cache-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const weights = {
    registry: '127.0.0.1:9',
    repository: 'modelco/weights/styler',
    manifestDigest: `sha256:${'c'.repeat(64)}`,
    files: [],
  };

  it('re-uses a complete copy (its marker written) without asking the registry', async () => {
    const dir = join(root, `sha256-${'c'.repeat(64)}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeFileSync(`${dir}.complete`, 'done');
    const calls: string[] = [];
    const fetchSpy: typeof fetch = async (input) => {
      calls.push(String(input));
      throw new Error('no registry here');
    };
    const found = await cachedWeights(weights, {
      cacheRoot: root,
      credential: 'rt_x',
      fetch: fetchSpy,
    });
    expect(found).toEqual({ path: dir, pulled: false });
    expect(calls).toEqual([]);
  });

  it('pulls again when the marker is missing (an interrupted pull), and fails with the registry’s error', async () => {
    rmSync(join(root, `sha256-${'c'.repeat(64)}.complete`), { force: true });
    const calls: string[] = [];
    const fetchSpy: typeof fetch = async (input) => {
      calls.push(String(input));
      throw new Error('no registry here');
    };
    await expect(
      cachedWeights(weights, { cacheRoot: root, credential: 'rt_x', fetch: fetchSpy }),
    ).rejects.toThrow();
    expect(calls.length).toBeGreaterThan(0);
    expect(calls[0]).toContain('http://127.0.0.1:9/v2/modelco/weights/styler/manifests/');
  });
});

describe('deployModels', () => {
  const resolved = (weights: boolean) => ({
    name: 'modelco/styler',
    kind: 'realtime' as const,
    description: 'd',
    version: '2',
    weights: weights
      ? {
          registry: '127.0.0.1:9',
          repository: 'modelco/weights/styler',
          manifestDigest: `sha256:${'d'.repeat(64)}`,
          files: [],
        }
      : null,
  });
  const root = mkdtempSync(join(tmpdir(), 'lk-deploy-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reports ready (announcing again) when there is nothing to pull', async () => {
    const model = deployModel(styler, { name: 'modelco/styler', version: '2' });
    const states: string[] = [];
    await deployModels(
      { announce: async () => void states.push(model.deployment.state) },
      [{ model, resolved: resolved(false) }],
      { cacheRoot: root, credential: 'rt_x' },
    );
    expect(states).toEqual(['ready']);
    expect(model.deployment.weightsPath).toBeUndefined();
  });

  it('reports failed, with the reason, when the pull fails', async () => {
    const model = deployModel(styler, { name: 'modelco/styler', version: '2' });
    const states: string[] = [];
    const refused: typeof fetch = async () => {
      throw new TypeError('fetch failed: connect ECONNREFUSED 127.0.0.1:9');
    };
    await deployModels(
      { announce: async () => void states.push(model.deployment.state) },
      [{ model, resolved: resolved(true) }],
      { cacheRoot: root, credential: 'rt_x', fetch: refused },
    );
    expect(states).toEqual(['failed']);
    expect(model.deployment.stateMessage).toMatch(/ECONNREFUSED|unreachable|reach/i);
    expect(model.deployment.weightsPath).toBeUndefined();
  });
});

describe("a model's load", () => {
  const root = mkdtempSync(join(tmpdir(), 'lk-load-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const resolved = {
    name: 'modelco/upscale',
    kind: 'batch' as const,
    description: 'd',
    version: '1',
    weights: {
      registry: '127.0.0.1:9',
      repository: 'modelco/weights/upscale',
      manifestDigest: `sha256:${'e'.repeat(64)}`,
      files: [],
    },
  };
  // A complete cache entry: nothing is pulled.
  const dir = join(root, `sha256-${'e'.repeat(64)}`);
  mkdirSync(dir);
  writeFileSync(`${dir}.complete`, 'done');

  const withLoad = (load: (ctx: { weightsPath?: string }) => void | Promise<void>) =>
    defineBatchModel({
      name: 'upscale',
      description: 'd',
      input: z.object({}),
      resultType: 'text/plain',
      load,
      run: () => new Uint8Array(),
    });

  it('runs after the weights are in place, with their path, before the model is ready', async () => {
    const seenBy: { path?: string; state?: string }[] = [];
    const model = deployModel(
      withLoad((ctx) => {
        seenBy.push({ path: ctx.weightsPath, state: model.deployment.state });
      }),
      { name: 'modelco/upscale', version: '1' },
    );
    await deployModels({ announce: async () => undefined }, [{ model, resolved }], {
      cacheRoot: root,
      credential: 'rt_x',
    });
    expect(seenBy).toEqual([{ path: dir, state: 'deploying' }]);
    expect(model.deployment.state).toBe('ready');
  });

  it('reports the version failed with the message when it throws', async () => {
    const model = deployModel(
      withLoad(async () => {
        throw new Error('weights are for another architecture');
      }),
      { name: 'modelco/upscale', version: '1' },
    );
    const announced: string[] = [];
    await deployModels(
      { announce: async () => void announced.push(model.deployment.state) },
      [{ model, resolved }],
      { cacheRoot: root, credential: 'rt_x' },
    );
    expect(announced).toEqual(['failed']);
    expect(model.deployment.stateMessage).toBe('weights are for another architecture');
  });
});
