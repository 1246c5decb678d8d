import { describe, expect, it } from 'vitest';
import { drawPrompt, renderModel } from '../src/models/render.js';
import { createRuntime } from '../src/runtime.js';
import { token, verifyToken } from './helpers.js';
import { readPng } from './read-png.js';

const render = async (input: unknown) => {
  const runtime = createRuntime({ verifyToken });
  const out = await runtime.runJob({ jobId: 'job_1', model: 'render', token: token(), input });
  await runtime.close();
  if (!out.ok) throw new Error(`${out.code}: ${out.message}`);
  return out.value;
};

describe('the render model', () => {
  it('answers a valid PNG of the asked size, 256x256 by default', async () => {
    const out = await render({ prompt: 'a lighthouse at dusk' });
    expect(out.contentType).toBe('image/png');
    const png = readPng(out.body);
    expect([png.width, png.height, png.colourType]).toEqual([256, 256, 2]);
    expect(png.raw.length).toBe(256 * (1 + 256 * 3));
    const small = readPng((await render({ prompt: 'x', width: 40, height: 16 })).body);
    expect([small.width, small.height]).toEqual([40, 16]);
  });

  it('is deterministic: the same input gives the same bytes', async () => {
    const a = await render({ prompt: 'a lighthouse at dusk', width: 64, height: 48, seed: 7 });
    const b = await render({ prompt: 'a lighthouse at dusk', width: 64, height: 48, seed: 7 });
    expect(Buffer.from(a.body).equals(Buffer.from(b.body))).toBe(true);
  });

  it('draws something that depends on the prompt and the seed', () => {
    const base = drawPrompt('a lighthouse at dusk', 64, 64, 0);
    const otherPrompt = drawPrompt('a lighthouse at dawn', 64, 64, 0);
    const otherSeed = drawPrompt('a lighthouse at dusk', 64, 64, 1);
    const differing = (x: Uint8Array, y: Uint8Array) => x.filter((v, i) => v !== y[i]).length;
    expect(differing(base, otherPrompt)).toBeGreaterThan(base.length / 4);
    expect(differing(base, otherSeed)).toBeGreaterThan(base.length / 4);
    // Not a flat fill: many distinct colours.
    const colours = new Set<number>();
    for (let i = 0; i < base.length; i += 3)
      colours.add(
        ((base[i] as number) << 16) | ((base[i + 1] as number) << 8) | (base[i + 2] as number),
      );
    expect(colours.size).toBeGreaterThan(50);
  });

  it('refuses input outside its schema, naming the field', () => {
    const input = renderModel.input;
    expect(input.safeParse({ prompt: '' }).success).toBe(false);
    expect(input.safeParse({ prompt: 'x', width: 2000 }).success).toBe(false);
    expect(input.safeParse({ prompt: 'x', height: 15 }).success).toBe(false);
    expect(input.safeParse({ prompt: 'x', seed: 1.5 }).success).toBe(false);
    expect(input.safeParse({ prompt: 'x', colour: 'red' }).success).toBe(false);
    expect(
      input.safeParse({ prompt: 'x'.repeat(1000), width: 1024, height: 16, seed: 3 }).success,
    ).toBe(true);
  });
});
