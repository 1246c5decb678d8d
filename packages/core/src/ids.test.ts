import { describe, expect, it } from 'vitest';
import { type IdPrefix, isId, newId } from './ids.js';

const PREFIXES: IdPrefix[] = ['org', 'key', 'tok', 'req', 'evt', 'sig', 'usr', 'ses', 'job', 'rtm'];

describe('newId', () => {
  it.each(PREFIXES)('makes a %s id with its prefix and 22 base62 characters', (prefix) => {
    const id = newId(prefix);
    expect(id.startsWith(`${prefix}_`)).toBe(true);
    expect(id).toHaveLength(prefix.length + 1 + 22);
    expect(id).toMatch(new RegExp(`^${prefix}_[0-9A-Za-z]{22}$`));
    expect(isId(prefix, id)).toBe(true);
  });

  it('encodes the time in the first 8 characters after the prefix', () => {
    const a = newId('key', 1_700_000_000_000);
    const b = newId('key', 1_700_000_000_000);
    expect(a.slice(4, 12)).toBe(b.slice(4, 12));
    expect(a.slice(12)).not.toBe(b.slice(12));
    expect(newId('key', 0).slice(4, 12)).toBe('00000000');
    expect(newId('key', 61).slice(4, 12)).toBe('0000000z');
    expect(newId('key', 62).slice(4, 12)).toBe('00000010');
  });

  it('uses the current time by default', () => {
    const before = newId('evt', Date.now()).slice(4, 12);
    const id = newId('evt').slice(4, 12);
    const after = newId('evt', Date.now()).slice(4, 12);
    expect(before <= id && id <= after).toBe(true);
  });

  it('is unique across many ids made in the same millisecond', () => {
    const now = 1_700_000_000_000;
    const ids = new Set(Array.from({ length: 5000 }, () => newId('req', now)));
    expect(ids.size).toBe(5000);
  });

  it('sorts lexicographically in the order of creation time', () => {
    const times: number[] = [0, 1, 61, 62, 63, 3843, 3844, 1_000_000];
    let t = 1_600_000_000_000;
    for (let i = 0; i < 300; i++) {
      t += 1 + ((i * 7919) % 100_000);
      times.push(t);
    }
    // Reaching new base62 digit positions: 62^5 .. 62^7 and a date far in the future.
    times.push(62 ** 5 - 1, 62 ** 5, 62 ** 6, 62 ** 7, 4_102_444_800_000);
    const sortedTimes = [...new Set(times)].sort((a, b) => a - b);
    const ids = sortedTimes.map((ms) => newId('tok', ms));
    // Shuffle deterministically, then sort as plain strings (UTF-16 code unit order).
    const shuffled = ids
      .map((id, i) => ({ id, k: (i * 2654435761) % 4294967296 }))
      .sort((a, b) => a.k - b.k);
    const resorted = shuffled.map((x) => x.id).sort();
    expect(resorted).toEqual(ids);
    for (let i = 1; i < ids.length; i++)
      expect((ids[i - 1] as string) < (ids[i] as string)).toBe(true);
  });

  it('sorts by time regardless of the random tail', () => {
    for (let i = 0; i < 200; i++) {
      const earlier = newId('key', 1_700_000_000_000 + i);
      const later = newId('key', 1_700_000_000_001 + i);
      expect(earlier < later).toBe(true);
    }
  });
});

describe('isId', () => {
  it('refuses ids of another prefix', () => {
    const id = newId('key');
    expect(isId('key', id)).toBe(true);
    expect(isId('tok', id)).toBe(false);
    expect(isId('org', newId('usr'))).toBe(false);
  });

  it('refuses wrong lengths and characters', () => {
    const id = newId('org');
    expect(isId('org', id.slice(0, -1))).toBe(false);
    expect(isId('org', `${id}a`)).toBe(false);
    expect(isId('org', `${id.slice(0, -1)}-`)).toBe(false);
    expect(isId('org', `${id.slice(0, -1)}_`)).toBe(false);
    expect(isId('org', id.replace('org_', 'org-'))).toBe(false);
    expect(isId('org', id.replace('org_', 'ORG_'))).toBe(false);
    expect(isId('org', ` ${id}`)).toBe(false);
    expect(isId('org', `${id}\n`)).toBe(false);
    expect(isId('org', 'org_')).toBe(false);
  });

  it('refuses non-strings', () => {
    for (const v of [undefined, null, 1, {}, [], true]) expect(isId('key', v)).toBe(false);
    expect(isId('key', { toString: () => newId('key') })).toBe(false);
  });
});
