import { describe, expect, it } from 'vitest';
import {
  findUnstorableText,
  isStorableText,
  toStorableJson,
  toStorableText,
} from './storable-text.js';

const BAD = ['\u0000', 'a\u0000b', '\ud800', 'a\ud800b', '\udc00', 'x\udfffy', '\udc00\ud800'];
const GOOD = ['', 'plain', 'tab\tnew\nline\u0001\u001f\u007f', '😀', 'a\ud83d\ude00b', '\uFFFD'];

describe('storable text', () => {
  it('refuses NUL and every unpaired surrogate, keeps pairs and other controls', () => {
    for (const s of BAD) expect(isStorableText(s), JSON.stringify(s)).toBe(false);
    for (const s of GOOD) expect(isStorableText(s), JSON.stringify(s)).toBe(true);
  });

  it('cleans to something storable, leaving good text untouched', () => {
    for (const s of BAD) expect(isStorableText(toStorableText(s))).toBe(true);
    expect(toStorableText('a\u0000b\ud800c')).toBe('a\uFFFDb\uFFFDc');
    for (const s of GOOD) expect(toStorableText(s)).toBe(s);
  });

  it('every lone surrogate code unit in any position is found', () => {
    for (let u = 0xd800; u <= 0xdfff; u += 0x3f) {
      const ch = String.fromCharCode(u);
      for (const s of [ch, `a${ch}`, `${ch}a`, `a${ch}b`])
        expect(isStorableText(s), u.toString(16)).toBe(false);
    }
  });

  it('names the path of the first unstorable string or key in a JSON value', () => {
    expect(findUnstorableText({ a: 'ok', b: [1, 'x', { c: 'd\u0000' }] })).toBe('b.2.c');
    expect(findUnstorableText({ 'k\ud800': 1 })).toBe('k\uFFFD');
    expect(findUnstorableText('\u0000')).toBe('');
    expect(findUnstorableText({ a: ['ok', 2, null, true], b: { c: '😀' } })).toBeUndefined();
  });

  it('cleans a JSON value deeply, keys included', () => {
    const cleaned = toStorableJson({ 'k\u0000': ['v\ud800', 3, { x: 'y\u0000' }], n: null });
    expect(cleaned).toEqual({ 'k\uFFFD': ['v\uFFFD', 3, { x: 'y\uFFFD' }], n: null });
    expect(findUnstorableText(cleaned)).toBeUndefined();
  });
});
