import { describe, expect, it } from 'vitest';
import { BASE62, encodeBase62, isBase62, randomBase62 } from './base62.js';
import { crc32 } from './crc32.js';
import {
  displayKey,
  generateKey,
  KEY_LENGTH,
  KEY_PREFIX,
  type KeyKind,
  parseKey,
} from './key-format.js';

const KINDS: KeyKind[] = ['app', 'partner'];

/** Builds a key with a chosen body and a correct checksum, independently of generateKey. */
function keyWithBody(prefix: string, body: string): string {
  const head = prefix + body;
  return head + encodeBase62(BigInt(crc32(head)), 6);
}

describe('crc32', () => {
  it('matches the standard CRC-32/IEEE check value', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
  });

  it('matches other known vectors', () => {
    expect(crc32('')).toBe(0);
    expect(crc32('a')).toBe(0xe8b7be43);
    expect(crc32('The quick brown fox jumps over the lazy dog')).toBe(0x414fa339);
  });

  it('always returns an unsigned 32-bit integer', () => {
    for (const s of ['', 'x', 'rk_', '\u00ff\u00ff\u00ff\u00ff', 'z'.repeat(100)]) {
      const v = crc32(s);
      expect(Number.isInteger(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(0xffffffff);
    }
  });
});

describe('base62', () => {
  it('encodes to a fixed width in ASCII order', () => {
    expect(encodeBase62(0n, 4)).toBe('0000');
    expect(encodeBase62(61n, 2)).toBe('0z');
    expect(encodeBase62(62n, 2)).toBe('10');
    expect(encodeBase62(BigInt(0xffffffff), 6)).toHaveLength(6);
    expect([...BASE62].sort().join('')).toBe(BASE62);
  });

  it('randomBase62 returns n base62 characters', () => {
    for (const n of [0, 1, 14, 32, 100]) {
      const s = randomBase62(n);
      expect(s).toHaveLength(n);
      expect(isBase62(s)).toBe(true);
    }
  });

  it('isBase62 rejects anything but letters and digits', () => {
    expect(isBase62('abcXYZ019')).toBe(true);
    for (const s of ['a-b', 'a_b', 'a b', 'é', 'a+b', 'a/b', 'a=']) expect(isBase62(s)).toBe(false);
  });
});

describe('generateKey / parseKey', () => {
  it.each(KINDS)('round-trips a %s key', (kind) => {
    const key = generateKey(kind);
    expect(key.startsWith(KEY_PREFIX[kind])).toBe(true);
    expect(key).toHaveLength(KEY_LENGTH);
    expect(KEY_LENGTH).toBe(41);
    expect(key).toMatch(/^r[kp]_[0-9A-Za-z]{38}$/);
    expect(parseKey(key)).toEqual({ ok: true, kind });
  });

  it('uses rk_ for app keys and rp_ for partner keys', () => {
    expect(generateKey('app').slice(0, 3)).toBe('rk_');
    expect(generateKey('partner').slice(0, 3)).toBe('rp_');
  });

  it('ends with the base62 CRC-32 of everything before the checksum', () => {
    const key = generateKey('app');
    const head = key.slice(0, 35);
    expect(key.slice(35)).toBe(encodeBase62(BigInt(crc32(head)), 6));
  });

  it('accepts an independently built key with a correct checksum', () => {
    const body = 'A'.repeat(16) + 'z'.repeat(16);
    expect(parseKey(keyWithBody('rk_', body))).toEqual({ ok: true, kind: 'app' });
    expect(parseKey(keyWithBody('rp_', body))).toEqual({ ok: true, kind: 'partner' });
  });

  it.each(KINDS)('the checksum catches every single-character substitution in a %s key', (kind) => {
    const key = generateKey(kind);
    let tried = 0;
    for (let i = 3; i < key.length; i++) {
      for (const c of BASE62) {
        if (c === key[i]) continue;
        const mutated = key.slice(0, i) + c + key.slice(i + 1);
        const result = parseKey(mutated);
        if (result.ok) throw new Error(`substitution at ${i} with ${c} was accepted: ${mutated}`);
        expect(result.reason).toMatch(/checksum/);
        tried++;
      }
    }
    expect(tried).toBe(38 * 61);
  });

  it('the checksum catches swapping two adjacent different characters', () => {
    const key = generateKey('app');
    for (let i = 3; i < key.length - 1; i++) {
      if (key[i] === key[i + 1]) continue;
      const swapped = key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2);
      expect(parseKey(swapped).ok).toBe(false);
    }
  });

  it('refuses a wrong prefix, even with a checksum computed over it', () => {
    const key = generateKey('app');
    const body = key.slice(3, 35);
    for (const prefix of ['rx_', 'RK_', 'rk-', 'sk_', 'pk_', 'rp-']) {
      const forged = keyWithBody(prefix, body);
      expect(forged).toHaveLength(KEY_LENGTH);
      const result = parseKey(forged);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).toMatch(/rk_ or rp_/);
    }
    // Swapping the prefix of a valid key breaks the checksum as well.
    const swapped = `rp_${key.slice(3)}`;
    expect(parseKey(swapped).ok).toBe(false);
  });

  it('refuses wrong lengths', () => {
    const key = generateKey('partner');
    for (const text of ['', 'rk_', key.slice(0, -1), `${key}0`, `${key}${key}`, key.slice(0, 35)]) {
      const result = parseKey(text);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).toMatch(/41 characters/);
    }
  });

  it('refuses truncated keys at every length', () => {
    const key = generateKey('app');
    for (let n = 0; n < key.length; n++) expect(parseKey(key.slice(0, n)).ok).toBe(false);
  });

  it('refuses non-base62 characters after the prefix', () => {
    const key = generateKey('app');
    for (const bad of ['-', '_', '+', '/', '=', ' ', '.', 'é', '\n', '\0']) {
      for (const i of [3, 20, 34, 35, 40]) {
        const mutated = key.slice(0, i) + bad + key.slice(i + 1);
        expect(mutated).toHaveLength(KEY_LENGTH);
        const result = parseKey(mutated);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.reason).toMatch(/letters and digits/);
      }
    }
  });

  it('refuses non-strings without throwing', () => {
    for (const v of [undefined, null, 42, {}, [], Symbol('x')]) {
      expect(parseKey(v as unknown as string).ok).toBe(false);
    }
  });

  it('generates 1000 distinct keys, all valid', () => {
    const keys = new Set<string>();
    const bodies = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const key = generateKey(i % 2 ? 'app' : 'partner');
      expect(parseKey(key).ok).toBe(true);
      keys.add(key);
      bodies.add(key.slice(3, 35));
    }
    expect(keys.size).toBe(1000);
    expect(bodies.size).toBe(1000);
  });

  it('uses the whole base62 alphabet roughly uniformly', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      for (const c of generateKey('app').slice(3, 35)) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    // 64,000 characters over 62 symbols: about 1032 each.
    expect(counts.size).toBe(62);
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(800);
      expect(n).toBeLessThan(1300);
    }
  });
});

describe('displayKey', () => {
  it.each(KINDS)('shows only the prefix and the last 4 characters of a %s key', (kind) => {
    const key = generateKey(kind);
    const shown = displayKey(key);
    expect(shown).toBe(`${KEY_PREFIX[kind]}…${key.slice(-4)}`);
  });

  it('never contains any 5-character run of the secret body', () => {
    for (let i = 0; i < 200; i++) {
      const key = generateKey(i % 2 ? 'app' : 'partner');
      const shown = displayKey(key);
      const body = key.slice(3, 35);
      expect(shown).not.toContain(body);
      for (let j = 0; j + 5 <= key.length - 3; j++) {
        expect(shown).not.toContain(key.slice(3 + j, 3 + j + 5));
      }
      // At most prefix + ellipsis + 4.
      expect(shown.length).toBeLessThanOrEqual(8);
    }
  });

  it('does not reveal short or odd inputs', () => {
    expect(displayKey('')).toBe('…');
    expect(displayKey('rk_1234')).toBe('…');
    expect(displayKey(undefined as unknown as string)).toBe('…');
    expect(displayKey('sk_live_abcdefgh')).toBe('…efgh');
  });
});
