import { encodeBase62, isBase62, randomBase62 } from './base62.js';
import { crc32 } from './crc32.js';

export type KeyKind = 'app' | 'partner';

export const KEY_PREFIX: Record<KeyKind, string> = { app: 'rk_', partner: 'rp_' };
const RANDOM_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
export const KEY_LENGTH = 3 + RANDOM_LENGTH + CHECKSUM_LENGTH;

function checksum(prefixAndBody: string): string {
  return encodeBase62(BigInt(crc32(prefixAndBody)), CHECKSUM_LENGTH);
}

/**
 * Generates a new secret key: prefix, 32 random base62 characters (190 bits),
 * 6 base62 characters of CRC-32 over everything before them.
 *
 * @example
 * const key = generateKey('app'); // "rk_…"
 */
export function generateKey(kind: KeyKind): string {
  const head = KEY_PREFIX[kind] + randomBase62(RANDOM_LENGTH);
  return head + checksum(head);
}

export type ParsedKey = { ok: true; kind: KeyKind } | { ok: false; reason: string };

/**
 * Checks a key's shape and checksum offline. A mistyped or random string is
 * refused here, before any database lookup.
 */
export function parseKey(text: string): ParsedKey {
  if (typeof text !== 'string' || text.length !== KEY_LENGTH) {
    return { ok: false, reason: `a key is ${KEY_LENGTH} characters long` };
  }
  const prefix = text.slice(0, 3);
  const kind: KeyKind | undefined =
    prefix === 'rk_' ? 'app' : prefix === 'rp_' ? 'partner' : undefined;
  if (!kind) return { ok: false, reason: 'a key starts with rk_ or rp_' };
  const body = text.slice(3);
  if (!isBase62(body))
    return { ok: false, reason: 'a key has only letters and digits after its prefix' };
  const head = text.slice(0, 3 + RANDOM_LENGTH);
  if (checksum(head) !== text.slice(3 + RANDOM_LENGTH)) {
    return { ok: false, reason: 'the key checksum does not match (mistyped or truncated)' };
  }
  return { ok: true, kind };
}

/** The form of a key that may be shown and logged: prefix and last 4, e.g. `rk_…a1B2`. */
export function displayKey(text: string): string {
  if (typeof text !== 'string' || text.length < 8) return '…';
  const prefix = text.startsWith('rk_') || text.startsWith('rp_') ? text.slice(0, 3) : '';
  return `${prefix}…${text.slice(-4)}`;
}
