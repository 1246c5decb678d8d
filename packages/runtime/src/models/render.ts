import { createHash } from 'node:crypto';
import { z } from 'zod';
import { defineBatchModel } from '../model.js';
import { encodePng } from '../png.js';

export const renderInput = z.strictObject({
  prompt: z.string().min(1).max(1000),
  width: z.number().int().min(16).max(1024).default(256),
  height: z.number().int().min(16).max(1024).default(256),
  seed: z.number().int().min(0).max(0xffffffff).optional(),
});
export type RenderInput = z.output<typeof renderInput>;

type Rgb = [number, number, number];

/** sfc32, seeded from a SHA-256 of the prompt and seed: the same input draws the same picture. */
function prng(prompt: string, seed: number): () => number {
  const h = createHash('sha256').update(`${seed}\n${prompt}`).digest();
  let a = h.readUInt32BE(0);
  let b = h.readUInt32BE(4);
  let c = h.readUInt32BE(8);
  let d = h.readUInt32BE(12);
  return () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
}

const colour = (next: () => number): Rgb => [
  Math.floor(next() * 256),
  Math.floor(next() * 256),
  Math.floor(next() * 256),
];

/**
 * Draws a picture that depends only on `prompt` and `seed`: a diagonal gradient between
 * two colours, then 6–13 translucent circles, rings and rectangles. Returns RGB bytes.
 */
export function drawPrompt(prompt: string, width: number, height: number, seed = 0): Uint8Array {
  const next = prng(prompt, seed);
  const rgb = new Uint8Array(width * height * 3);
  const from = colour(next);
  const to = colour(next);
  const angle = next() * Math.PI * 2;
  const dx = Math.cos(angle);
  const dy = Math.sin(angle);
  const span = Math.abs(dx) * width + Math.abs(dy) * height;
  const base = Math.min(0, dx * width) + Math.min(0, dy * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (x * dx + y * dy - base) / span;
      const i = (y * width + x) * 3;
      for (let k = 0; k < 3; k++)
        rgb[i + k] = Math.round((from[k] as number) * (1 - t) + (to[k] as number) * t);
    }
  }
  const shapes = 6 + Math.floor(next() * 8);
  const unit = Math.min(width, height);
  for (let s = 0; s < shapes; s++) {
    const kind = Math.floor(next() * 3); // 0 circle, 1 ring, 2 rectangle
    const fill = colour(next);
    const alpha = 0.35 + next() * 0.5;
    const cx = next() * width;
    const cy = next() * height;
    const r = unit * (0.06 + next() * 0.22);
    const rx = kind === 2 ? r * (0.5 + next()) : r;
    const ry = kind === 2 ? r * (0.5 + next()) : r;
    const x0 = Math.max(0, Math.floor(cx - rx));
    const x1 = Math.min(width - 1, Math.ceil(cx + rx));
    const y0 = Math.max(0, Math.floor(cy - ry));
    const y1 = Math.min(height - 1, Math.ceil(cy + ry));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
        const inside = kind === 0 ? d <= r : kind === 1 ? d <= r && d >= r * 0.7 : true;
        if (!inside) continue;
        const i = (y * width + x) * 3;
        for (let k = 0; k < 3; k++)
          rgb[i + k] = Math.round(
            (rgb[i + k] as number) * (1 - alpha) + (fill[k] as number) * alpha,
          );
      }
    }
  }
  return rgb;
}

/**
 * The `render` demo model (batch): a PNG drawn deterministically from the prompt.
 * Input `{prompt: 1..1000 chars, width?: 16..1024 (256), height?: 16..1024 (256), seed?: int}`.
 */
export const renderModel = defineBatchModel({
  name: 'render',
  description: 'Draws a PNG from a prompt, deterministically (same input, same bytes)',
  input: renderInput,
  resultType: 'image/png',
  run: ({ prompt, width, height, seed }) =>
    encodePng(width, height, drawPrompt(prompt, width, height, seed ?? 0)),
});
