import { describe, expect, it } from 'vitest';
import { encodePng } from '../src/png.js';
import { readPng } from './read-png.js';

describe('encodePng', () => {
  it('writes IHDR, IDAT and IEND with valid CRCs and the pixels, row by row', () => {
    const rgb = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]);
    const png = readPng(encodePng(2, 2, rgb));
    expect(png.chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect([png.width, png.height, png.depth, png.colourType]).toEqual([2, 2, 8, 2]);
    // Each row: filter byte 0, then RGB.
    expect([...png.raw]).toEqual([0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 10, 20, 30]);
  });

  it('refuses sizes that do not match the pixels', () => {
    expect(() => encodePng(2, 2, new Uint8Array(11))).toThrow(RangeError);
    expect(() => encodePng(0, 2, new Uint8Array(0))).toThrow(RangeError);
  });
});
